import { LIMITS, assertPositiveIntegers, type Cluster, type ProcessId } from '@paxos/shared';

export interface ReplicaConfig {
  id: ProcessId;
  /**
   * The initial configuration's members (epoch 0). Later configurations come from the log
   * (configuration.ts); every member, a new one too, starts with the same initial lists.
   */
  cluster: Cluster;
  /**
   * The initial configuration's WINDOW: a reconfiguration decided in slot s takes effect at
   * s + WINDOW, and a replica proposes only below slotOut + WINDOW (PMMC). Part of the
   * configuration: every replica must start with the same value, and reconfigurations may
   * change it.
   */
  windowSlots: number;
  /**
   * Replicas to ask for a snapshot when this one starts with no state and is not an initial
   * member (it joins through a reconfiguration). Absent: the initial replicas.
   */
  joinFrom?: readonly ProcessId[];
  /** The most client commands one proposed batch (one slot) carries. */
  batchMaxCommands: number;
  /** Silence after which outstanding proposals are re-sent and a blocking gap is filled. */
  retryMs: number;
  /** A snapshot is written (and older decisions truncated) every this many applied slots. */
  snapshotEverySlots: number;
  /*
   * The five bounds below decide OUTCOMES (which session is evicted, which request is refused
   * as too old, which put is over quota), so every replica of a cluster must run with the same
   * values: replicas that disagree would apply the same log to different states. They are
   * replicated configuration, not per-process tuning. Absent, each is its LIMITS default.
   */
  /** Client sessions kept; registering past it evicts the least recently active (sessions.ts). */
  sessionsMax?: number;
  /** Answers kept per session for retries: the requests a session may have in flight. */
  responsesPerSession?: number;
  /** All cached answers' values together, as JSON bytes (response-cache.ts). */
  responseCacheJsonBytesMax?: number;
  /** The key-value store's quota: keys, and UTF-8 bytes of keys and values (kv-quota.ts). */
  kvKeysMax?: number;
  kvBytesMax?: number;
  /**
   * Garbage collection: a progress report goes to every leader once slotOut has advanced this
   * many slots since the last report (default 64), and on the retry tick when anything is new.
   */
  gcReportEverySlots?: number;
  /**
   * Most bytes of commands (their JSON, UTF-8) one batch carries, besides batchMaxCommands:
   * every p2a, decision and p1b page carries one batch, and LIMITS sizes those messages for a
   * batch of at most LIMITS.batchJsonBytesMax, which is the default and the maximum here.
   */
  batchMaxBytes?: number;
  /**
   * At most this many of this replica's proposals are not yet applied at once (decided is not
   * enough: see unappliedProposals in propose.ts). Fewer slots in
   * flight means fuller batches: each slot costs the fleet a fixed amount of work (messages,
   * commits) however many commands it carries, so under load fuller slots are what makes it
   * fast; a lone client still gets its slot at once.
   */
  proposalsInFlightMax?: number;
  /**
   * Replicas take turns on slots while several are busy (slot-sharing.ts): another replica
   * counts as busy for this long after one of its batches was decided (default 1000 ms).
   */
  partnerActiveMs?: number;
  /**
   * The change history behind GET /watch keeps the changes of this many latest applied slots
   * (REPLICA_WATCH_RETENTION_SLOTS; default 10 000), within LIMITS.watchHistoryJsonBytesMax.
   * Per replica: replicas may keep different amounts.
   */
  watchRetentionSlots?: number;
  /**
   * false: reads (get, list) take a slot like writes, as before read probes existed
   * (REPLICA_READ_PROBES=false; docs/reads.md). Per replica: only for a rolling upgrade from a
   * release whose acceptors do not answer probes. Absent: true.
   */
  readProbes?: boolean;
}

/** The bounds that decide outcomes, resolved once at recovery (required fields). */
export interface ReplicaBounds {
  sessionsMax: number;
  responsesPerSession: number;
  responseCacheJsonBytesMax: number;
  kvKeysMax: number;
  kvBytesMax: number;
  batchMaxBytes: number;
  watchRetentionSlots: number;
}

export const DEFAULT_GC_REPORT_EVERY_SLOTS = 64;
export const DEFAULT_BATCH_MAX_BYTES = LIMITS.batchJsonBytesMax;
export const DEFAULT_PROPOSALS_IN_FLIGHT_MAX = 1;
export const DEFAULT_PARTNER_ACTIVE_MS = 1_000;
export const DEFAULT_WATCH_RETENTION_SLOTS = 10_000;

export type ReplicaTimings = Omit<ReplicaConfig, 'id' | 'cluster'>;

/** Sensible values for the real services. */
export const defaultReplicaTimings: ReplicaTimings = Object.freeze({
  windowSlots: 16,
  batchMaxCommands: 256,
  retryMs: 3000,
  snapshotEverySlots: 1000,
});

export function replicaBounds(config: ReplicaConfig): ReplicaBounds {
  return {
    sessionsMax: config.sessionsMax ?? LIMITS.sessionsMax,
    responsesPerSession: config.responsesPerSession ?? LIMITS.responsesPerSessionMax,
    responseCacheJsonBytesMax: config.responseCacheJsonBytesMax ?? LIMITS.responseCacheJsonBytesMax,
    kvKeysMax: config.kvKeysMax ?? LIMITS.kvKeysMax,
    kvBytesMax: config.kvBytesMax ?? LIMITS.kvBytesMax,
    batchMaxBytes: config.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES,
    watchRetentionSlots: config.watchRetentionSlots ?? DEFAULT_WATCH_RETENTION_SLOTS,
  };
}

/** A bad configuration is a deployment mistake: fail at start, with the field named. */
export function assertReplicaConfig(config: ReplicaConfig): void {
  assertPositiveIntegers(
    'replica',
    config,
    ['windowSlots', 'batchMaxCommands', 'retryMs', 'snapshotEverySlots'],
    [
      'sessionsMax',
      'responsesPerSession',
      'responseCacheJsonBytesMax',
      'kvKeysMax',
      'kvBytesMax',
      'gcReportEverySlots',
      'batchMaxBytes',
      'proposalsInFlightMax',
      'partnerActiveMs',
      'watchRetentionSlots',
    ],
  );
  if (
    config.watchRetentionSlots !== undefined &&
    config.watchRetentionSlots > LIMITS.watchRetentionSlotsMax
  ) {
    throw new Error(
      `replica config watchRetentionSlots must be at most ${LIMITS.watchRetentionSlotsMax}, ` +
        `got ${config.watchRetentionSlots}`,
    );
  }
  if (config.batchMaxBytes !== undefined && config.batchMaxBytes > LIMITS.batchJsonBytesMax) {
    throw new Error(
      `replica config batchMaxBytes must be at most ${LIMITS.batchJsonBytesMax} ` +
        `(LIMITS.batchJsonBytesMax), got ${config.batchMaxBytes}`,
    );
  }
  if (config.batchMaxCommands > LIMITS.batchCommandsMax) {
    throw new Error(
      `replica config batchMaxCommands must be at most ${LIMITS.batchCommandsMax}, ` +
        `got ${config.batchMaxCommands}`,
    );
  }
  if (config.windowSlots > LIMITS.windowSlotsMax) {
    throw new Error(
      `replica config windowSlots must be at most ${LIMITS.windowSlotsMax}, got ${config.windowSlots}`,
    );
  }
}
