import type { DurableEntry, PersistOp } from '@paxos/shared';

/**
 * What a role service needs from the data API. The production implementation is the
 * typed Neurelo client (shared/src/data-api); tests may run it against the local server.
 */
export interface ClaimedMessage {
  id: string;
  payload: string;
  attempts: number;
  seq: number;
}

export interface OutgoingMessage {
  id: string;
  dst: string;
  payload: string;
}

export interface StepCommit {
  processId: string;
  epoch: number;
  acks: string[];
  puts: Array<{ key: string; slot: number | null; value: unknown }>;
  truncateBelow: number;
  sends: Array<{ dst: string; payload: string; id?: string }>;
}

export interface QueuePort {
  /** Claims a new incarnation number for this process (fencing). */
  claimEpoch(processId: string): Promise<number>;
  /** Hands back every message of `dst` leased by an earlier incarnation (it is dead or fenced). */
  reclaim(dst: string, owner: string): Promise<number>;
  loadDurable(owner: string): Promise<Map<string, DurableEntry>>;
  /** Leases up to `limit` oldest messages; waits up to `waitSeconds` when there are none. */
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
  release(owner: string, ids: string[]): Promise<void>;
}

/** Turns a role's persist ops into the commit's puts and truncation horizon. */
export function toDurableWrites(ops: readonly PersistOp[]): {
  puts: StepCommit['puts'];
  truncateBelow: number;
} {
  const puts = new Map<string, StepCommit['puts'][number]>();
  let truncateBelow = 0;
  for (const op of ops) {
    if (op.op === 'put') puts.set(op.key, { key: op.key, slot: op.slot, value: op.value });
    else truncateBelow = Math.max(truncateBelow, op.belowSlot);
  }
  const kept = [...puts.values()].filter((p) => p.slot === null || p.slot >= truncateBelow);
  return { puts: kept, truncateBelow };
}
