import { envInt as int, parseEnv } from '@paxos/runtime';
import { z } from 'zod';
import {
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_GC_REPORT_EVERY_SLOTS,
  DEFAULT_PROPOSALS_IN_FLIGHT_MAX,
  defaultReplicaTimings,
  type ReplicaTimings,
} from '../role/config';
import { DEFAULT_RESPONSE_CACHE_MAX, DEFAULT_RESPONSES_PER_CLIENT } from '../role/response-cache';

/** Replica settings beyond the common ones; every variable is optional. */
export const ReplicaEnvSchema = z.object({
  WINDOW_SLOTS: int(defaultReplicaTimings.windowSlots, 1, 10_000),
  BATCH_MAX_COMMANDS: int(defaultReplicaTimings.batchMaxCommands, 1, 10_000),
  REPLICA_RETRY_MS: int(defaultReplicaTimings.retryMs, 10, 600_000),
  SNAPSHOT_EVERY_SLOTS: int(defaultReplicaTimings.snapshotEverySlots, 1, 10_000_000),
  COMMAND_TIMEOUT_MS: int(10_000, 100, 600_000),
  RESPONSES_PER_CLIENT: int(DEFAULT_RESPONSES_PER_CLIENT, 1, 10_000),
  RESPONSE_CACHE_MAX: int(DEFAULT_RESPONSE_CACHE_MAX, 1, 10_000_000),
  GC_REPORT_EVERY_SLOTS: int(DEFAULT_GC_REPORT_EVERY_SLOTS, 1, 1_000_000),
  BATCH_MAX_BYTES: int(DEFAULT_BATCH_MAX_BYTES, 1_024, 768 * 1024),
  PROPOSALS_IN_FLIGHT_MAX: int(DEFAULT_PROPOSALS_IN_FLIGHT_MAX, 1, 10_000),
});

export function replicaSettings(env: NodeJS.ProcessEnv): {
  timings: ReplicaTimings;
  commandTimeoutMs: number;
} {
  const e = parseEnv(ReplicaEnvSchema, env);
  return {
    timings: {
      windowSlots: e.WINDOW_SLOTS,
      batchMaxCommands: e.BATCH_MAX_COMMANDS,
      retryMs: e.REPLICA_RETRY_MS,
      snapshotEverySlots: e.SNAPSHOT_EVERY_SLOTS,
      responsesPerClient: e.RESPONSES_PER_CLIENT,
      responseCacheMax: e.RESPONSE_CACHE_MAX,
      gcReportEverySlots: e.GC_REPORT_EVERY_SLOTS,
      batchMaxBytes: e.BATCH_MAX_BYTES,
      proposalsInFlightMax: e.PROPOSALS_IN_FLIGHT_MAX,
    },
    commandTimeoutMs: e.COMMAND_TIMEOUT_MS,
  };
}
