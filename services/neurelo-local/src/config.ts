import {
  ProductionEnvSchema,
  productionRefusal,
  reviewSecurity,
  withoutEmptySettings,
} from '@paxos/shared';
import { z } from 'zod';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_VACUUM_EVERY_MS } from './app';

/** The environment is wrong: the process stops with a message naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min).max(max, `must be a whole number from ${min} to ${max}`));

const apiKey = z
  .string()
  .regex(/^\S+$/, 'must be one key without spaces')
  .min(8, 'must be at least 8 characters long');

// Values are never echoed in errors: some are secrets.
export const EnvSchema = z.object({
  PORT: integer(0, 65_535).default(7070),
  /** Loopback unless told otherwise; the container image and k8s set 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * A highly available PostgreSQL: every node's URL, comma-separated; the server follows the
   * one that is the primary (db/following-postgres.ts). Instead of DATABASE_URL, not with it.
   */
  DATABASE_URLS: z
    .string()
    .transform((text) => text.split(',').map((url) => url.trim()))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              /^postgres(ql)?:\/\/\S+$/,
              'must be postgres:// or postgresql:// URLs separated by commas',
            ),
        )
        .min(2, 'must name every node of the cluster, two at least, separated by commas'),
    )
    .optional(),
  /** Ignored when DATABASE_URL or DATABASE_URLS is set. */
  PGLITE_DATA_DIR: z.string().optional(),
  NEURELO_API_KEY: apiKey,
  NEURELO_READONLY_API_KEY: apiKey.optional(),
  BODY_LIMIT_BYTES: integer(1_024, 64 * 1_048_576).default(DEFAULT_BODY_LIMIT_BYTES),
  VACUUM_EVERY_MS: integer(0, 3_600_000).default(DEFAULT_VACUUM_EVERY_MS),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...ProductionEnvSchema.shape,
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** The nodes of a highly available PostgreSQL, whose primary is followed. */
  databaseUrls: string[] | undefined;
  pgliteDataDir: string | undefined;
  apiKeys: { readWrite: string[]; readOnly: string[] };
  bodyLimitBytes: number;
  /** Vacuum the tables this long after writes; 0 leaves it to autovacuum. */
  vacuumEveryMs: number;
  logLevel: string;
  /** Settings unsafe on a network, logged at start (in production mode they stop it instead). */
  securityWarnings: string[];
}

/** Reads the server's settings from the environment; an empty variable counts as unset. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(withoutEmptySettings(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const problem = issue.code === 'invalid_type' ? 'is required' : issue.message;
    throw new ConfigError(variable, problem);
  }
  const e = parsed.data;
  if (
    e.NEURELO_READONLY_API_KEY !== undefined &&
    e.NEURELO_READONLY_API_KEY === e.NEURELO_API_KEY
  ) {
    throw new ConfigError('NEURELO_READONLY_API_KEY', 'must differ from NEURELO_API_KEY');
  }
  if (e.DATABASE_URL !== undefined && e.DATABASE_URLS !== undefined) {
    throw new ConfigError(
      'DATABASE_URLS',
      'and DATABASE_URL are both set: set DATABASE_URL for one PostgreSQL, or DATABASE_URLS for the nodes of a highly available one',
    );
  }
  // Production mode refuses an example or weak key: anyone who read the repository has it.
  const review = reviewSecurity({
    production: e.PAXOS_PRODUCTION,
    secrets: {
      NEURELO_API_KEY: e.NEURELO_API_KEY,
      NEURELO_READONLY_API_KEY: e.NEURELO_READONLY_API_KEY,
    },
    plainHttpHosts: e.DATA_API_PLAIN_HTTP_HOSTS,
  });
  if (review.problems.length > 0) {
    // ConfigError's message names the variable first: "PAXOS_PRODUCTION refuses to start (...)".
    const refusal = productionRefusal(review.problems).replace(/^PAXOS_PRODUCTION=true /, '');
    throw new ConfigError('PAXOS_PRODUCTION', refusal);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseUrls: e.DATABASE_URLS,
    pgliteDataDir: e.PGLITE_DATA_DIR,
    apiKeys: {
      readWrite: [e.NEURELO_API_KEY],
      readOnly: e.NEURELO_READONLY_API_KEY ? [e.NEURELO_READONLY_API_KEY] : [],
    },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    vacuumEveryMs: e.VACUUM_EVERY_MS,
    logLevel: e.LOG_LEVEL,
    securityWarnings: review.warnings,
  };
}
