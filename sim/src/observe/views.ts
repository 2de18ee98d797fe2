import type { Ballot, Batch, ConfigEntry, OpResult, PValue } from '@paxos/shared';

/**
 * What the checkers read from a role's state. Checkers depend on these views, not on the
 * roles' state types, so each checker can be fed a hand-made broken view in its tests.
 */
export interface AcceptorView {
  /**
   * The promise per configuration epoch (ballot.ts): each configuration is its own Paxos
   * instance, so A1 holds per epoch. An epoch missing from the map has promised nothing.
   */
  promises: ReadonlyMap<number, Ballot>;
  /** Epochs below this are retired here: their promises may be gone. Only grows. */
  epochsBelow: number;
  /** The highest-ballot pvalue per slot (state reduction), whatever the slot's epoch. */
  accepted: ReadonlyMap<number, PValue>;
  /** Slots below this were garbage-collected and may be absent. */
  collectedBelow: number;
}

/** One configuration's leader inside a leader process (leader-process.ts). */
export interface LeaderInstanceView {
  epoch: number;
  /** The configuration it runs: its first slot, the next one's first slot once known. */
  startSlot: number;
  endSlot: number | null;
  acceptors: readonly string[];
  leaders: readonly string[];
  replicas: readonly string[];
  /** Every slot below this is, by this leader's account, applied by a majority of replicas. */
  collectedBelow: number;
}

/**
 * A leader process is checked for the configurations it serves (each must be one the log made)
 * and for their garbage-collection horizons (their in-memory state below them is gone).
 */
export interface LeaderView {
  instances: readonly LeaderInstanceView[];
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
  /** The configuration schedule from the one governing slotOut on (absent: not checked). */
  configs?: readonly ConfigEntry[];
}
