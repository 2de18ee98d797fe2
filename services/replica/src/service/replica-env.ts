import { envFlag, envInt as int, parseEnv } from '@paxos/runtime';
import {
  ClientKeysEnvSchema,
  KeyRing,
  LIMITS,
  MemberIdSchema,
  parseAllowedOrigins,
  type ClientKey,
} from '@paxos/shared';
import { z } from 'zod';
import {
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_GC_REPORT_EVERY_SLOTS,
  DEFAULT_PROPOSALS_IN_FLIGHT_MAX,
  defaultReplicaTimings,
  type ReplicaTimings,
} from '../role/config';
import type { ClientAccessDeps } from './client-auth';
import type { PendingBounds } from './pending-commands';

/** An unset variable and an empty one mean the same: not set. */
const unsetIfEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * The admin key of POST /admin/reconfigure. Checked for length only: zod's message names the
 * variable and the rule, never the value.
 */
const AdminKeySchema = unsetIfEmpty.pipe(
  z.string().min(16, 'must be at least 16 characters').max(512).optional(),
);

const JoinFromSchema = unsetIfEmpty.pipe(
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .pipe(z.array(MemberIdSchema).min(1).max(LIMITS.configMembersMax))
    .optional(),
);

/** ALLOWED_ORIGINS as a set of origins; a malformed entry is named (origins are no secret). */
const AllowedOriginsSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    try {
      return parseAllowedOrigins(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** Replica settings beyond the common ones; every variable is optional. */
export const ReplicaEnvSchema = z.object({
  /* The initial configuration's WINDOW; the shell reads the same variable (runtime config.ts). */
  WINDOW_SLOTS: int(defaultReplicaTimings.windowSlots, 1, LIMITS.windowSlotsMax),
  /*
   * A new member (a replica not in REPLICAS, joining through a reconfiguration) asks these
   * replicas for a snapshot of the state; unset, the initial replicas.
   */
  JOIN_FROM: JoinFromSchema,
  /* Enables POST /admin/reconfigure for holders of this key (Authorization: Bearer). */
  ADMIN_KEY: AdminKeySchema,
  /*
   * Client keys, `name:access:sha256hex[:prefix]` separated by commas (docs/security.md);
   * unset: no authentication, refused in production mode.
   */
  CLIENT_KEYS: ClientKeysEnvSchema,
  /* Origins a browser page may call POST /commands, /sessions and /admin from. */
  ALLOWED_ORIGINS: AllowedOriginsSchema,
  BATCH_MAX_COMMANDS: int(defaultReplicaTimings.batchMaxCommands, 1, LIMITS.batchCommandsMax),
  REPLICA_RETRY_MS: int(defaultReplicaTimings.retryMs, 10, 600_000),
  SNAPSHOT_EVERY_SLOTS: int(defaultReplicaTimings.snapshotEverySlots, 1, 10_000_000),
  COMMAND_TIMEOUT_MS: int(10_000, 100, 600_000),
  /*
   * false: reads take a slot like writes (docs/reads.md), while acceptors of a release without
   * read probes remain in a rolling upgrade (docs/upgrades.md). Per replica.
   */
  REPLICA_READ_PROBES: envFlag(true),
  /*
   * These five decide outcomes (which session is evicted, which request is too old, which
   * write is over quota): every replica of a cluster MUST be given the same values, or the
   * replicas' states diverge. They are replicated configuration, not per-process tuning.
   */
  SESSIONS_MAX: int(LIMITS.sessionsMax, 1, 1_000_000),
  RESPONSES_PER_SESSION: int(LIMITS.responsesPerSessionMax, 1, 10_000),
  RESPONSE_CACHE_BYTES_MAX: int(LIMITS.responseCacheJsonBytesMax, 1_024, 1 << 30),
  KV_KEYS_MAX: int(LIMITS.kvKeysMax, 1, 100_000_000),
  KV_BYTES_MAX: int(LIMITS.kvBytesMax, 1_024, 2 ** 40),
  GC_REPORT_EVERY_SLOTS: int(DEFAULT_GC_REPORT_EVERY_SLOTS, 1, 1_000_000),
  BATCH_MAX_BYTES: int(DEFAULT_BATCH_MAX_BYTES, 1_024, LIMITS.batchJsonBytesMax),
  PROPOSALS_IN_FLIGHT_MAX: int(DEFAULT_PROPOSALS_IN_FLIGHT_MAX, 1, 10_000),
  /* Per replica (each holds its own clients): these may differ between replicas. */
  PENDING_COMMANDS_MAX: int(LIMITS.pendingCommandsMax, 1, 1_000_000),
  PENDING_COMMAND_BYTES_MAX: int(
    LIMITS.pendingCommandBytesMax,
    LIMITS.commandBodyBytesMax,
    2 ** 40,
  ),
});

export function replicaSettings(env: NodeJS.ProcessEnv): {
  timings: ReplicaTimings;
  commandTimeoutMs: number;
  pendingBounds: PendingBounds;
  /** null: the admin endpoint is disabled. */
  adminKey: string | null;
  /** CLIENT_KEYS as given (null: unset), for the start-up security review. */
  clientKeys: ClientKey[] | null;
  access: ClientAccessDeps;
} {
  const e = parseEnv(ReplicaEnvSchema, env);
  return {
    timings: {
      windowSlots: e.WINDOW_SLOTS,
      batchMaxCommands: e.BATCH_MAX_COMMANDS,
      retryMs: e.REPLICA_RETRY_MS,
      snapshotEverySlots: e.SNAPSHOT_EVERY_SLOTS,
      sessionsMax: e.SESSIONS_MAX,
      responsesPerSession: e.RESPONSES_PER_SESSION,
      responseCacheJsonBytesMax: e.RESPONSE_CACHE_BYTES_MAX,
      kvKeysMax: e.KV_KEYS_MAX,
      kvBytesMax: e.KV_BYTES_MAX,
      gcReportEverySlots: e.GC_REPORT_EVERY_SLOTS,
      batchMaxBytes: e.BATCH_MAX_BYTES,
      proposalsInFlightMax: e.PROPOSALS_IN_FLIGHT_MAX,
      ...(e.REPLICA_READ_PROBES ? {} : { readProbes: false }),
      ...(e.JOIN_FROM ? { joinFrom: e.JOIN_FROM } : {}),
    },
    commandTimeoutMs: e.COMMAND_TIMEOUT_MS,
    pendingBounds: {
      commandsMax: e.PENDING_COMMANDS_MAX,
      bytesMax: e.PENDING_COMMAND_BYTES_MAX,
    },
    adminKey: e.ADMIN_KEY ?? null,
    clientKeys: e.CLIENT_KEYS,
    access: {
      keys: e.CLIENT_KEYS === null ? null : new KeyRing(e.CLIENT_KEYS),
      allowedOrigins: e.ALLOWED_ORIGINS,
    },
  };
}
