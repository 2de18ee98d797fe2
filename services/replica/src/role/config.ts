import type { Cluster, ProcessId } from '@paxos/shared';

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
}

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
  const positive: Array<keyof ReplicaTimings> = [
    'windowSlots',
    'batchMaxCommands',
    'retryMs',
    'snapshotEverySlots',
    'responsesPerClient',
    'responseCacheMax',
  ];
  for (const field of positive) {
    const value = config[field];
    const optional = field === 'responsesPerClient' || field === 'responseCacheMax';
    if (optional && value === undefined) continue;
    if (value === undefined || !Number.isInteger(value) || value < 1) {
      throw new Error(`replica config ${field} must be a positive integer, got ${value}`);
    }
  }
  if (!config.cluster.replicas.includes(config.id)) {
    throw new Error(`replica ${config.id} is not in the cluster's replicas`);
  }
}
