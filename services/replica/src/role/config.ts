import { assertPositiveIntegers, type Cluster, type ProcessId } from '@paxos/shared';

export interface ReplicaConfig {
  id: ProcessId;
  cluster: Cluster;
  /** How many slots past slotOut this replica may propose into (PMMC's WINDOW). */
  windowSlots: number;
  /** The most client commands one proposed batch (one slot) carries. */
  batchMaxCommands: number;
  /** Silence after which outstanding proposals are re-sent and a blocking gap is filled. */
  retryMs: number;
  /** A snapshot is written (and older decisions truncated) every this many applied slots. */
  snapshotEverySlots: number;
  /** Cached answers kept per client for retries (default 8; see response-cache.ts). */
  responsesPerClient?: number;
  /** Cached answers kept in all (default 4096). */
  responseCacheMax?: number;
  /**
   * Garbage collection: a progress report goes to every leader once slotOut has advanced this
   * many slots since the last report (default 64), and on the retry tick when anything is new.
   */
  gcReportEverySlots?: number;
  /**
   * Most bytes of commands (their JSON length) one batch carries (default 256 KiB), besides
   * batchMaxCommands: every p2a, decision and p1b entry carries one batch, and the data API
   * refuses bodies above 1 MiB. A single larger command still goes alone.
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
}

export const DEFAULT_GC_REPORT_EVERY_SLOTS = 64;
/** Even if every character took 3 bytes in UTF-8, a batch stays under 1 MiB. */
export const DEFAULT_BATCH_MAX_BYTES = 256 * 1024;
export const DEFAULT_PROPOSALS_IN_FLIGHT_MAX = 1;
export const DEFAULT_PARTNER_ACTIVE_MS = 1_000;

export type ReplicaTimings = Omit<ReplicaConfig, 'id' | 'cluster'>;

/** Sensible values for the real services. */
export const defaultReplicaTimings: ReplicaTimings = Object.freeze({
  windowSlots: 16,
  batchMaxCommands: 256,
  retryMs: 3000,
  snapshotEverySlots: 1000,
});

/** A bad configuration is a deployment mistake: fail at start, with the field named. */
export function assertReplicaConfig(config: ReplicaConfig): void {
  assertPositiveIntegers(
    'replica',
    config,
    ['windowSlots', 'batchMaxCommands', 'retryMs', 'snapshotEverySlots'],
    [
      'responsesPerClient',
      'responseCacheMax',
      'gcReportEverySlots',
      'batchMaxBytes',
      'proposalsInFlightMax',
      'partnerActiveMs',
    ],
  );
  if (!config.cluster.replicas.includes(config.id)) {
    throw new Error(`replica ${config.id} is not in the cluster's replicas`);
  }
}
