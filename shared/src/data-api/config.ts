import { z } from 'zod';
import { withoutEmptySettings } from '../env';

/**
 * Where the data API lives and how hard to try. The same two settings switch the fleet from
 * the local Neurelo server to a hosted Neurelo environment.
 */

/** The local Neurelo server's default address (services/neurelo-local: HOST and PORT). */
export const LOCAL_DATA_API_BASE = 'http://127.0.0.1:7070';

const IntegerFromEnvSchema = z
  .string()
  .trim()
  .regex(/^\d+$/, 'expected a whole number')
  .transform(Number);

export const DataApiConfigSchema = z.object({
  /** Base URL without a trailing slash, e.g. `https://us-east-2.aws.neurelo.com`. */
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http or https URL' })
    .transform((url) => url.replace(/\/+$/, '')),
  /** Sent as X-API-KEY. Never logged, never part of an error message. */
  apiKey: z.string().min(1, 'must not be empty'),
  /** Budget of one attempt; a long-poll attempt gets its wait on top. */
  timeoutMs: z.number().int().min(1).max(600_000),
  /** Extra attempts after the first one for network errors and 5xx answers. */
  retries: z.number().int().min(0).max(50),
});
export type DataApiConfig = z.infer<typeof DataApiConfigSchema>;

/** A setting is missing or malformed. The message names the variable, never its value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Where the data API's base URL comes from: NEURELO_API_BASE, or Neurelo's own SDK variable
 * NEURELO_API_BASE_PATH when only that is set (so an existing .env just works), else the local
 * server's default. An empty value counts as unset. Not validated: loadDataApiConfig does that.
 */
export function dataApiBase(given: Env): { variable: string; baseUrl: string } {
  const env = withoutEmptySettings(given);
  const variable =
    env.NEURELO_API_BASE !== undefined || env.NEURELO_API_BASE_PATH === undefined
      ? 'NEURELO_API_BASE'
      : 'NEURELO_API_BASE_PATH';
  return { variable, baseUrl: env[variable] ?? LOCAL_DATA_API_BASE };
}

/**
 * Reads the data-API settings from the environment (process.env in services); an empty
 * variable counts as unset.
 */
export function loadDataApiConfig(given: Env): DataApiConfig {
  const env = withoutEmptySettings(given);
  const base = dataApiBase(env);
  const apiKey = env.NEURELO_API_KEY;
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new ConfigError('NEURELO_API_KEY', 'is required (a read-write key of the environment)');
  }
  return {
    baseUrl: parseField(base.variable, base.baseUrl, (raw) =>
      DataApiConfigSchema.shape.baseUrl.safeParse(raw),
    ),
    apiKey: parseField('NEURELO_API_KEY', apiKey, (raw) =>
      DataApiConfigSchema.shape.apiKey.safeParse(raw),
    ),
    timeoutMs: parseField('DATA_API_TIMEOUT_MS', env.DATA_API_TIMEOUT_MS ?? '10000', (raw) =>
      IntegerFromEnvSchema.pipe(DataApiConfigSchema.shape.timeoutMs).safeParse(raw),
    ),
    retries: parseField('DATA_API_RETRIES', env.DATA_API_RETRIES ?? '5', (raw) =>
      IntegerFromEnvSchema.pipe(DataApiConfigSchema.shape.retries).safeParse(raw),
    ),
  };
}

function parseField<T>(
  variable: string,
  raw: string,
  parse: (raw: string) => z.ZodSafeParseResult<T>,
): T {
  const result = parse(raw);
  if (result.success) return result.data;
  // Issue messages describe the expectation only; zod does not echo the input into them.
  const problem = result.error.issues.map((issue) => issue.message).join('; ');
  throw new ConfigError(variable, problem);
}
