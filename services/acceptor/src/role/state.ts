import { bottomBallotOf, type Ballot, type PValue, type ProcessId, type Slot } from '@paxos/shared';

export interface AcceptorConfig {
  id: ProcessId;
  /**
   * Learners: the replicas told of every acceptance (an `accepted` message beside the p2b), so
   * they learn a decision from a majority of acceptors without waiting for the leader's.
   * Absent or empty: only the leader hears of it, as in PMMC.
   */
  learners?: readonly ProcessId[];
}

/** Plain counters for metrics; never read by the protocol. */
export interface AcceptorCounters {
  promises: number;
  promisesRefused: number;
  accepts: number;
  acceptsRefused: number;
  duplicatesIgnored: number;
  unexpectedIgnored: number;
  /** collect messages that raised collectedBelow, and those that did not (stale, duplicate). */
  collections: number;
  collectsIgnored: number;
  /** p2a for a slot already collected here: refused, the reply tells the horizon. */
  collectedSlotsRefused: number;
  /** p1b pages sent beyond the first of each reply: how often replies outgrow one page. */
  p1bPagesExtra: number;
  /** p1a/p2a of a configuration this acceptor has retired, or of one past its epoch bound. */
  retiredEpochIgnored: number;
  /** Read probes answered (docs/reads.md). */
  readProbesAnswered: number;
}

/**
 * An acceptor keeps its promise (`ballot`) and, per slot, only the highest-ballot pvalue it
 * accepted (state reduction, PMMC section 3): a lower-ballot pvalue for the same slot can never
 * be pmax again once a higher one is accepted, so dropping it loses nothing.
 */
export interface AcceptorState {
  readonly config: AcceptorConfig;
  /**
   * The promise per configuration epoch (ballot.ts): each configuration is its own Paxos
   * instance over its own slots, so promises of different epochs never compete. An epoch not in
   * the map has promised nothing yet (bottom). Bounded by LIMITS.acceptorEpochsMax.
   */
  promises: Map<number, Ballot>;
  /**
   * Epochs below this are retired (a collect said every slot they govern is collected): their
   * promises are dropped and their ballots refused. Durable, only grows.
   */
  epochsBelow: number;
  accepted: Map<Slot, PValue>;
  /**
   * Garbage-collection horizon (durable): every slot below it is decided and applied by every
   * replica, so its pvalues were dropped and `accepted` holds nothing below it. Only grows.
   */
  collectedBelow: Slot;
  counters: AcceptorCounters;
}

export function newAcceptorState(config: AcceptorConfig): AcceptorState {
  return {
    config,
    promises: new Map(),
    epochsBelow: 0,
    accepted: new Map(),
    collectedBelow: 1,
    counters: {
      promises: 0,
      promisesRefused: 0,
      accepts: 0,
      acceptsRefused: 0,
      duplicatesIgnored: 0,
      unexpectedIgnored: 0,
      collections: 0,
      collectsIgnored: 0,
      collectedSlotsRefused: 0,
      p1bPagesExtra: 0,
      retiredEpochIgnored: 0,
      readProbesAnswered: 0,
    },
  };
}

/** The promise of configuration `epoch` (bottom before any p1a of it). */
export function promiseOf(state: AcceptorState, epoch: number): Ballot {
  return state.promises.get(epoch) ?? bottomBallotOf(epoch);
}
