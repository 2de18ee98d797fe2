import { assertPositiveIntegers, type Cluster, type ProcessId } from '@paxos/shared';

export interface LeaderConfig {
  id: ProcessId;
  cluster: Cluster;
  /** A scout or commander re-sends its p1a/p2a to silent acceptors this often. */
  retransmitMs: number;
  /** An active leader announces itself to the other leaders this often. */
  heartbeatMs: number;
  /** Silence after which a passive leader suspects the leader it watches. */
  leaderTimeoutMs: number;
  /** Cap of the back-off added after repeated preemptions. */
  backoffMaxMs: number;
  /**
   * Thrifty phase 2: a commander sends its p2a to a majority only (the acceptors heard from
   * most recently) and to the others if no decision came within twice the recent phase-2 time,
   * at most this long. Unset or 0: p2a to every acceptor at once, as in PMMC.
   */
  spareAfterMs?: number;
  /**
   * The acceptors tell the replicas of every acceptance (their `learners`), so the replicas
   * learn decisions without this leader: a decided slot is not announced to them. A replica
   * that misses one still gets it on asking (a progress report, a repeated proposal) and
   * sees the newest with each heartbeat.
   */
  replicasLearnFromAcceptors?: boolean;
}

export type LeaderTimings = Omit<LeaderConfig, 'id' | 'cluster'>;

/** Sensible values for the real services. */
export const defaultLeaderTimings: LeaderTimings = Object.freeze({
  retransmitMs: 3000,
  heartbeatMs: 1000,
  leaderTimeoutMs: 3000,
  backoffMaxMs: 10_000,
  spareAfterMs: 250,
});

/** A bad configuration is a deployment mistake: fail at start, with the field named. */
export function assertLeaderConfig(config: LeaderConfig): void {
  assertPositiveIntegers('leader', config, [
    'retransmitMs',
    'heartbeatMs',
    'leaderTimeoutMs',
    'backoffMaxMs',
  ]);
  const spare = config.spareAfterMs;
  if (spare !== undefined && !(Number.isInteger(spare) && spare >= 0)) {
    throw new Error(`leader spareAfterMs must be a whole number >= 0, got ${spare}`);
  }
  if (!config.cluster.leaders.includes(config.id)) {
    throw new Error(`leader ${config.id} is not in the cluster's leaders`);
  }
}
