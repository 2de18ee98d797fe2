import { ConfigurationError, parseEnv } from '@paxos/runtime';
import {
  dataApiBase,
  loadDataApiConfig,
  parseAllowedOrigins,
  ProductionEnvSchema,
  productionRefusal,
  reviewSecurity,
  type DataApiConfig,
} from '@paxos/shared';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseFleetTargets, type FleetTarget } from './fleet-targets';

/** A setting that may be absent; empty (`DASHBOARD_TOKEN=` in a .env) counts as absent. */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** ALLOWED_ORIGINS: `scheme://host[:port]` each, as a browser sends them in `Origin`. */
const OriginListSchema = z
  .string()
  .optional()
  .transform((text, ctx): ReadonlySet<string> => {
    try {
      return parseAllowedOrigins(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const FleetTargetsSchema = z
  .string({ error: 'is required: name=url of every role service, comma separated' })
  .transform((text, ctx): FleetTarget[] => {
    const parsed = parseFleetTargets(text);
    if (parsed.ok) return parsed.targets;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  });

/**
 * FLEET_MEMBER_URL: a URL with `{id}` where a member's id goes (`http://{id}:8080`, its
 * service name in compose and Kubernetes).
 */
const MemberUrlSchema = z
  .string()
  .refine((text) => text.includes('{id}'), { message: 'must contain {id}, e.g. http://{id}:8080' })
  .refine(
    (text) => z.url({ protocol: /^https?$/ }).safeParse(text.replaceAll('{id}', 'x')).success,
    {
      message: 'must be an http(s) URL with {id} in it, e.g. http://{id}:8080',
    },
  )
  .transform((text) => text.replace(/\/+$/, ''));

/** The dashboard's own settings (the data API's come from loadDataApiConfig). */
export const DashboardEnvSchema = ProductionEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
  /** Loopback unless told otherwise: the container image and Kubernetes set 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Required on every state-changing request (header x-dashboard-token). Unset outside
   * production: a random one per start, which only the served page carries.
   */
  DASHBOARD_TOKEN: optionalText,
  /** Other origins whose pages may send state-changing requests (the page's own always may). */
  ALLOWED_ORIGINS: OriginListSchema,
  /** The client key the command relay sends to the replicas (Authorization: Bearer). */
  PAXOS_KEY: optionalText,
  FLEET_TARGETS: FleetTargetsSchema,
  /** Members a reconfiguration added, which FLEET_TARGETS does not list, are scraped here. */
  FLEET_MEMBER_URL: MemberUrlSchema.optional(),
  /** Local fleet mode: the fleet runner's state file; enables the kill and restart buttons. */
  FLEET_CONTROL_FILE: z.string().min(1).optional(),
  /** How often every service is scraped and the page updated. */
  SCRAPE_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** A service that has not answered within this long counts as down for that round. */
  SCRAPE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(800),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface DashboardConfig {
  port: number;
  host: string;
  targets: FleetTarget[];
  /** null: only FLEET_TARGETS are scraped. */
  memberUrl: string | null;
  controlFile: string | null;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  logLevel: string;
  dataApi: DataApiConfig;
  /** What the x-dashboard-token header must carry. */
  token: string;
  /** true: DASHBOARD_TOKEN was unset and `token` was made at start (the page carries it). */
  tokenGenerated: boolean;
  /** Exact origins (scheme://host:port) allowed besides the request's own host. */
  allowedOrigins: ReadonlySet<string>;
  /** null: the relay sends no Authorization header (a fleet without CLIENT_KEYS). */
  clientKey: string | null;
  production: boolean;
  /** Outside production: what production mode would refuse, for a warning at start. */
  securityWarnings: string[];
}

/** 24 random bytes: 32 base64url characters, past the production minimum. */
export const randomDashboardToken = (): string => randomBytes(24).toString('base64url');

/**
 * Reads the environment; throws ConfigurationError (or the data API's ConfigError), whose
 * message names the offending variable, on any bad value, and in production mode on a
 * missing, weak or example secret or a plain-http data API outside the private network.
 */
export function loadDashboardConfig(
  env: NodeJS.ProcessEnv,
  makeToken: () => string = randomDashboardToken,
): DashboardConfig {
  const e = parseEnv(DashboardEnvSchema, env);
  const dataApi = loadDataApiConfig(env);
  const review = reviewSecurity({
    production: e.PAXOS_PRODUCTION,
    secrets: {
      DASHBOARD_TOKEN: e.DASHBOARD_TOKEN,
      NEURELO_API_KEY: env.NEURELO_API_KEY,
      PAXOS_KEY: e.PAXOS_KEY,
    },
    dataApi: { variable: dataApiBase(env).variable, baseUrl: dataApi.baseUrl },
    plainHttpHosts: e.DATA_API_PLAIN_HTTP_HOSTS,
  });
  // A made-up token would work (the page carries it) but changes at every restart and is
  // shared by nobody: production needs one the operator set and keeps.
  if (e.PAXOS_PRODUCTION && e.DASHBOARD_TOKEN === undefined) {
    review.problems.unshift('DASHBOARD_TOKEN is required (openssl rand -hex 24)');
  }
  if (review.problems.length > 0) {
    throw new ConfigurationError(productionRefusal(review.problems));
  }
  return {
    port: e.PORT,
    host: e.HOST,
    targets: e.FLEET_TARGETS,
    memberUrl: e.FLEET_MEMBER_URL ?? null,
    controlFile: e.FLEET_CONTROL_FILE ?? null,
    scrapeIntervalMs: e.SCRAPE_INTERVAL_MS,
    scrapeTimeoutMs: e.SCRAPE_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    dataApi,
    token: e.DASHBOARD_TOKEN ?? makeToken(),
    tokenGenerated: e.DASHBOARD_TOKEN === undefined,
    allowedOrigins: e.ALLOWED_ORIGINS,
    clientKey: e.PAXOS_KEY ?? null,
    production: e.PAXOS_PRODUCTION,
    securityWarnings: review.warnings,
  };
}

