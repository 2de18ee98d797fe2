import { LIMITS, assertPositiveIntegers, type Cluster, type ProcessId } from '@paxos/shared';

export interface LeaderConfig {
  id: ProcessId;
  /**
   * The members of the configuration this leader serves. For the leader service (the process,
   * leader-process.ts), the initial configuration (epoch 0); each configuration it serves gets
   * a leader of its own (a LeaderState) with that configuration's members, epoch and start.
   */
  cluster: Cluster;
  /** The configuration's epoch (ballots carry it) and its first slot. Absent: 0 and 1. */
  epoch?: number;
  startSlot?: number;
  /**
   * A scout or commander first re-sends its p1a/p2a to silent acceptors this long after it
   * started; each further round waits twice as long as the one before, up to retransmitMsMax
   * (retransmission.ts says why).
   */
  retransmitMs: number;
  /**
   * The longest wait between two retransmission rounds of one scout or commander. Unset:
   * RETRANSMIT_BACKOFF_FACTOR_MAX x retransmitMs, so it follows retransmitMs.
   */
  retransmitMsMax?: number;
  /**
   * The p2a a tick may re-send, in request-body bytes (what a step commit carries, see
   * retransmission.ts); the oldest slots go first and the rest in the next ticks. Unset:
   * defaultRetransmitTickBytesMax.
   */
  retransmitTickBytesMax?: number;
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

/** A LeaderConfig with every optional bound filled in, once, when the leader starts. */
export type ResolvedLeaderConfig = LeaderConfig &
  Required<Pick<LeaderConfig, 'retransmitMsMax' | 'retransmitTickBytesMax'>>;

/** Unset retransmitMsMax: rounds 1x, 2x, 4x, then every 8x retransmitMs. */
export const RETRANSMIT_BACKOFF_FACTOR_MAX = 8;

/**
 * Two step commits' worth: about what one commander whose p2a is at the message limit costs to
 * reach three acceptors (3 x 4 x 160 KiB of body at worst; the first due commander of a tick
 * goes anyway), small enough that a tick's retransmissions add about two commits to its step,
 * not a dozen.
 */
export const defaultRetransmitTickBytesMax = 2 * LIMITS.commitBodyBytesMax;

/** Sensible values for the real services. */
export const defaultLeaderTimings: LeaderTimings = Object.freeze({
  retransmitMs: 3000,
  retransmitTickBytesMax: defaultRetransmitTickBytesMax,
  // Failover in about leaderTimeoutMs + one phase-1 round. Four silent beats before a
  // takeover, so one late beat (a loaded machine, a slow commit) does not depose a live leader.
  heartbeatMs: 250,
  leaderTimeoutMs: 1000,
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
  assertPositiveIntegers('leader', config, [], ['retransmitMsMax', 'retransmitTickBytesMax']);
  if (config.retransmitMsMax !== undefined && config.retransmitMsMax < config.retransmitMs) {
    throw new Error(
      `leader retransmitMsMax (${config.retransmitMsMax}) must be at least retransmitMs ` +
        `(${config.retransmitMs})`,
    );
  }
  const spare = config.spareAfterMs;
  if (spare !== undefined && !(Number.isInteger(spare) && spare >= 0)) {
    throw new Error(`leader spareAfterMs must be a whole number >= 0, got ${spare}`);
  }
  if (config.epoch !== undefined && !(Number.isInteger(config.epoch) && config.epoch >= 0)) {
    throw new Error(`leader epoch must be a whole number >= 0, got ${config.epoch}`);
  }
  assertPositiveIntegers('leader', config, [], ['startSlot']);
}

/** Fills in the optional bounds; called once, when the leader's state is built. */
export function resolveLeaderConfig(config: LeaderConfig): ResolvedLeaderConfig {
  return {
    ...config,
    retransmitMsMax: config.retransmitMsMax ?? RETRANSMIT_BACKOFF_FACTOR_MAX * config.retransmitMs,
    retransmitTickBytesMax: config.retransmitTickBytesMax ?? defaultRetransmitTickBytesMax,
  };
}
