import type {
  DurableEntry,
  EpochClaim,
  EpochClaimRequest,
  EpochRenewRequest,
  RetentionRequest,
  RetentionResult,
} from '@paxos/shared';

/**
 * What a role service needs from the data API. The production implementation is the
 * typed Neurelo client (shared/src/data-api); tests and the benchmark use the in-memory one.
 */
export interface ClaimedMessage {
  id: string;
  payload: string;
  /** Deliveries so far, this one included: above 1, an earlier holder may have died on it. */
  attempts: number;
  seq: number;
}

export interface StepCommit {
  processId: string;
  epoch: number;
  /** Strictly increasing for every commit of one epoch, from 1 (see StepCommitRequest). */
  writeSeq: number;
  acks: string[];
  puts: Array<{ key: string; slot: number | null; value: unknown }>;
  truncateBelow: number;
  sends: Array<{ dst: string; payload: string; id?: string }>;
}

export type { EpochClaim, RetentionResult };

export interface QueuePort {
  /**
   * Claims a new incarnation number for this process if no other holder's lease is live
   * (fencing every older incarnation); otherwise answers `granted: false` with `retryInMs`.
   */
  claimEpoch(request: Omit<EpochClaimRequest, 'signal'>): Promise<EpochClaim>;
  /** Extends the lease; false: a newer incarnation exists. One attempt within `timeoutMs`. */
  renewEpoch(request: Omit<EpochRenewRequest, 'signal'>): Promise<boolean>;
  /** Ends the lease at once (graceful stop). */
  releaseEpoch(request: { processId: string; epoch: number }): Promise<void>;
  /** Hands back every message of `dst` leased by an earlier incarnation (it is dead or fenced). */
  reclaim(dst: string, owner: string): Promise<number>;
  loadDurable(owner: string): Promise<Map<string, DurableEntry>>;
  /** Leases up to `limit` oldest messages; waits a while when there are none. */
  claim(args: {
    dst: string;
    owner: string;
    limit: number;
    leaseMs: number;
    signal?: AbortSignal;
  }): Promise<ClaimedMessage[]>;
  /** Consumes, persists and sends in one atomic statement. `fenced` false: a newer incarnation exists. */
  stepCommit(commit: StepCommit): Promise<{ fenced: boolean }>;
  deadLetter(owner: string, id: string, reason: string): Promise<void>;
  /** Hands leased messages back at once, without counting the delivery as an attempt. */
  release(owner: string, ids: string[]): Promise<void>;
  /** Removes old rows for unknown destinations and old dead letters (queue_retention). */
  retention(request: Omit<RetentionRequest, 'signal'>): Promise<RetentionResult>;
}
