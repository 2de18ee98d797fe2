import type { Ballot, Batch, OpResult, PValue } from '@paxos/shared';

/**
 * What the checkers read from a role's state. Checkers depend on these views, not on the
 * roles' state types, so each checker can be fed a hand-made broken view in its tests.
 */
export interface AcceptorView {
  ballot: Ballot;
  /** The highest-ballot pvalue per slot (state reduction). */
  accepted: ReadonlyMap<number, PValue>;
  /** Slots below this were garbage-collected and may be absent. */
  collectedBelow: number;
}

/** A leader is checked only for its garbage-collection horizon (its in-memory state below it is gone). */
export interface LeaderView {
  /** Every slot below this is, by the leader's account, decided and applied by every replica. */
  collectedBelow: number;
}

export interface ReplicaView {
  slotIn: number;
  slotOut: number;
  /** Known decisions; those below the last snapshot may have been truncated. */
  decisions: ReadonlyMap<number, Batch>;
  proposals: ReadonlyMap<number, Batch>;
  kv: ReadonlyMap<string, string>;
  /** The response cache, by commandKey: the slot a command was performed at and its result. */
  responses: ReadonlyMap<string, { slot: number; result: OpResult }>;
}
