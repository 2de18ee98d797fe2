import { parseEnv } from '@paxos/runtime';
import { loadDataApiConfig, type DataApiConfig } from '@paxos/shared';
import { z } from 'zod';
import { parseFleetTargets, type FleetTarget } from './fleet-targets';

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
export const DashboardEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
  HOST: z.string().min(1).default('0.0.0.0'),
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
}

/**
 * Reads the environment; throws ConfigurationError (or the data API's ConfigError), whose
 * message names the offending variable, on any bad value.
 */
export function loadDashboardConfig(env: NodeJS.ProcessEnv): DashboardConfig {
  const e = parseEnv(DashboardEnvSchema, env);
  return {
    port: e.PORT,
    host: e.HOST,
    targets: e.FLEET_TARGETS,
    memberUrl: e.FLEET_MEMBER_URL ?? null,
    controlFile: e.FLEET_CONTROL_FILE ?? null,
    scrapeIntervalMs: e.SCRAPE_INTERVAL_MS,
    scrapeTimeoutMs: e.SCRAPE_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    dataApi: loadDataApiConfig(env),
  };
}
