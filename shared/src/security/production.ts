import { z } from 'zod';
import type { ClientKey } from './client-keys';
import { PUBLISHED_EXAMPLE_KEY_HASHES, isPublishedExampleKey } from './example-keys';

/**
 * Production mode (PAXOS_PRODUCTION=true, not NODE_ENV, which the image sets for other
 * reasons): a service refuses to start on a setting that is fine on a laptop and dangerous on
 * a network. The checks return every problem at once, so an operator fixes them in one round.
 */

/** Secrets shorter than this are refused in production (a generated one is 47). */
export const SECRET_CHARS_MIN = 24;
/** A secret drawn from fewer distinct characters than this is a pattern, not a secret. */
const SECRET_DISTINCT_CHARS_MIN = 8;

export const ProductionEnvSchema = z.object({
  PAXOS_PRODUCTION: z
    .enum(['true', 'false', ''], { message: 'expected true or false' })
    .optional()
    .transform((v) => v === 'true'),
  /** Hosts the data API may be reached on over plain http (compose's and k8s's service names). */
  DATA_API_PLAIN_HTTP_HOSTS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim().toLowerCase())
        .filter((x) => x.length > 0),
    ),
});
export type ProductionEnv = z.infer<typeof ProductionEnvSchema>;

/** Why `value` of `variable` is no secret; null when it may be one. Never quotes the value. */
export function weakSecretProblem(variable: string, value: string): string | null {
  if (isPublishedExampleKey(value)) {
    return `${variable} is a published example value: generate one (openssl rand -hex 24)`;
  }
  if (value.length < SECRET_CHARS_MIN) {
    return `${variable} is shorter than ${SECRET_CHARS_MIN} characters`;
  }
  if (new Set(value).size < SECRET_DISTINCT_CHARS_MIN) {
    return `${variable} repeats a few characters: it is a pattern, not a random secret`;
  }
  return null;
}

/** Whether a URL's host name is this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    h === '::ffff:127.0.0.1'
  );
}

/**
 * Why the data API at `baseUrl` would carry the API key and every message in clear text over
 * a network; null when it is https, on this machine, or on a host the operator listed (a
 * cluster-internal service name).
 */
export function plainHttpProblem(
  variable: string,
  baseUrl: string,
  allowedHosts: readonly string[],
): string | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return null; // the data API's own config reports a malformed URL
  }
  if (url.protocol !== 'http:') return null;
  const host = url.hostname.toLowerCase();
  if (isLoopbackHost(host) || allowedHosts.includes(host)) return null;
  return (
    `${variable} is plain http:// to ${host}, which is neither loopback nor listed in ` +
    `DATA_API_PLAIN_HTTP_HOSTS: use https, or list the host if the network is private`
  );
}

export interface SecurityReviewInput {
  production: boolean;
  /** Secrets by variable name, as set (undefined or '' when unset; unset ones are skipped). */
  secrets: Readonly<Record<string, string | undefined>>;
  /** This service's CLIENT_KEYS: null when none are set; undefined when it takes none. */
  clientKeys?: readonly ClientKey[] | null;
  /** The data API's base URL and the variable it came from, when this service uses one. */
  dataApi?: { variable: string; baseUrl: string };
  plainHttpHosts: readonly string[];
}

export interface SecurityReview {
  /** Refusals: a service in production mode does not start while any is left. */
  problems: string[];
  /** Logged at start; outside production the would-be problems land here. */
  warnings: string[];
}

/** Every security problem of a service's settings; in production they stop it. */
export function reviewSecurity(input: SecurityReviewInput): SecurityReview {
  const found: string[] = [];
  for (const [variable, value] of Object.entries(input.secrets)) {
    if (value === undefined || value === '') continue;
    const problem = weakSecretProblem(variable, value);
    if (problem !== null) found.push(problem);
  }
  if (input.clientKeys === null) {
    found.push('CLIENT_KEYS is not set: anyone who reaches this replica can read and write');
  }
  for (const k of input.clientKeys ?? []) {
    if (PUBLISHED_EXAMPLE_KEY_HASHES.has(k.sha256)) {
      found.push(`CLIENT_KEYS entry ${k.name} is the hash of a published example key`);
    }
  }
  if (input.dataApi) {
    const { variable, baseUrl } = input.dataApi;
    const problem = plainHttpProblem(variable, baseUrl, input.plainHttpHosts);
    if (problem !== null) found.push(problem);
  }
  return input.production ? { problems: found, warnings: [] } : { problems: [], warnings: found };
}

/** The one message a service in production mode exits with. */
export function productionRefusal(problems: readonly string[]): string {
  return (
    `PAXOS_PRODUCTION=true refuses to start (${problems.length} problem` +
    `${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`
  );
}
