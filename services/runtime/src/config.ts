import {
  ClusterSchema,
  LIMITS,
  ProcessIdSchema,
  ProductionEnvSchema,
  withoutEmptySettings,
  type Cluster,
} from '@paxos/shared';
import { z } from 'zod';

/** A comma-separated list of process ids. */
const idList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .pipe(z.array(ProcessIdSchema).min(1));

/** An optional whole-number setting within [min, max]. */
export const envInt = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const int = envInt;

/** An optional yes/no setting: `true` or `false`. */
export const envFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

/** How long a claimed message stays invisible to other consumers unless acked first. */
export const DEFAULT_LEASE_MS = 30_000;

/** The initial configuration's WINDOW when WINDOW_SLOTS is not set (the replica's default too). */
export const DEFAULT_WINDOW_SLOTS = 16;

/** Settings every role service reads from its environment. */
export const ServiceEnvSchema = z.object({
  PROCESS_ID: ProcessIdSchema,
  ACCEPTORS: idList('acceptor-0,acceptor-1,acceptor-2'),
  LEADERS: idList('leader-0,leader-1'),
  REPLICAS: idList('replica-0,replica-1'),
  /**
   * The initial configuration's WINDOW (PMMC): part of the configuration, so every member is
   * given the same value. Replicas act on it; the other roles only report it (GET /config).
   */
  WINDOW_SLOTS: int(DEFAULT_WINDOW_SLOTS, 1, LIMITS.windowSlotsMax),
  /**
   * The listen address. Loopback unless told otherwise: a service started by hand on a laptop
   * is not open to the network. The container image and the k8s manifests set 0.0.0.0.
   */
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * HTTPS for this service's port (the replica's client API) when both are set: PEM files of
   * the certificate (with its chain) and of its private key. Unset: plain http, for loopback
   * or behind a TLS-terminating Ingress (docs/security.md).
   */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Production mode: refuse to start on unsafe settings (shared/src/security/production.ts). */
  ...ProductionEnvSchema.shape,
  PORT: int(8080, 0, 65535),
  LEASE_MS: int(DEFAULT_LEASE_MS, 1_000, 600_000),
  CLAIM_BATCH: int(256, 1, 10_000),
  MAX_ATTEMPTS: int(20, 1, 1_000),
  /**
   * How long this process's hold on its PROCESS_ID lasts unless renewed (it is renewed every
   * EPOCH_LEASE_MS/4, at most a second apart). A second process started with a live PROCESS_ID
   * waits for the lease to lapse instead of taking over, so two copies never alternate. A
   * SIGKILLed member's replacement takes over within EPOCH_LEASE_MS plus one retry interval
   * (a quarter of a second); a gracefully stopped one hands the lease back at once.
   */
  EPOCH_LEASE_MS: int(4_000, 1_000, 60_000),
  /** How often this process runs queue retention (queue_retention); 0 turns it off. */
  RETENTION_EVERY_MS: int(60_000, 0, 86_400_000),
  /** Queued messages for a destination that no process has ever claimed are kept this long. */
  QUEUE_UNKNOWN_RETENTION_MS: int(86_400_000, 60_000, 30 * 86_400_000),
  /** Dead letters are kept this long (for an operator to look at), then removed. */
  DEAD_LETTER_RETENTION_MS: int(604_800_000, 60_000, 90 * 86_400_000),
  /**
   * Acceptors tell the replicas of every acceptance, and replicas learn decisions from a
   * majority of them; leaders then send decisions only to a replica that asks. One setting
   * for the whole fleet (acceptors and leaders both read it). Off by default: on two shared
   * cores the hop it saves costs about as much CPU as it saves time (docs/performance.md).
   */
  LEARN_FROM_ACCEPTORS: envFlag(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ServiceEnv = z.infer<typeof ServiceEnvSchema>;

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Parses env with `schema`; an empty variable counts as unset (withoutEmptySettings), and a bad
 * setting becomes one message naming every offending variable.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<T> {
  const r = schema.safeParse(withoutEmptySettings(env));
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`);
}

/**
 * The initial configuration's members (epoch 0). Every member, a new one too, is started with
 * the same initial lists: a PROCESS_ID outside them is a new member joining through a
 * reconfiguration (its role learns the configuration from the log). A PROCESS_ID that the
 * lists give another role is a mistake, though: a process holds one role only.
 */
export function clusterFromEnv(env: ServiceEnv, role: 'acceptor' | 'leader' | 'replica'): Cluster {
  const cluster = ClusterSchema.parse({
    acceptors: env.ACCEPTORS,
    leaders: env.LEADERS,
    replicas: env.REPLICAS,
  });
  const all = [...cluster.acceptors, ...cluster.leaders, ...cluster.replicas];
  if (new Set(all).size !== all.length) {
    throw new ConfigurationError('ACCEPTORS, LEADERS and REPLICAS must name distinct processes');
  }
  const listed = (
    [
      ['acceptor', 'ACCEPTORS', cluster.acceptors],
      ['leader', 'LEADERS', cluster.leaders],
      ['replica', 'REPLICAS', cluster.replicas],
    ] as const
  ).find(([, , ids]) => ids.includes(env.PROCESS_ID));
  if (listed && listed[0] !== role) {
    throw new ConfigurationError(
      `PROCESS_ID ${env.PROCESS_ID} is listed in ${listed[1]}: it cannot run as a ${role}`,
    );
  }
  return cluster;
}

/** The certificate and key files of HTTPS, or null for plain http; one without the other is an error. */
export function tlsFilesOf(env: ServiceEnv): { certFile: string; keyFile: string } | null {
  const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = env;
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigurationError('TLS_CERT_FILE and TLS_KEY_FILE: set both for HTTPS, or neither');
  }
  return { certFile, keyFile };
}
