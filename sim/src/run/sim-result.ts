import type { ClientOperation } from '../clients/sim-client';
import type { InvariantViolation } from '../checkers/violation';

export interface SimStats {
  events: number;
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  messagesCut: number;
  messagesToDownProcess: number;
  crashes: number;
  restarts: number;
  partitions: number;
  commands: number;
  answered: number;
  /** The replicas' common slotOut at the end (the highest one if they differ). */
  slotOut: number;
  endMs: number;
  /** The linearizability checker gave up (search budget); not a violation. */
  linearizabilityUnknown: boolean;
  /** The highest horizon any acceptor garbage-collected below (1: nothing collected). */
  collectedBelow: number;
  /** The most pvalues any p1b carried: bounded by garbage collection, not by the run's length. */
  p1bMaxPValues: number;
  /** Decisions the replicas learned from a majority of acceptors, in their last lives. */
  decisionsLearned: number;
}

export interface SimResult {
  seed: number;
  volatileAcceptors: boolean;
  violation: InvariantViolation | null;
  /** Simulated time when the violation was found. */
  violationAtMs: number | null;
  /** sha256 over every event in order: equal for two runs of one seed. */
  digest: string;
  stats: SimStats;
  history: ClientOperation[];
}

export function emptyStats(): SimStats {
  return {
    events: 0,
    messagesSent: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    messagesCut: 0,
    messagesToDownProcess: 0,
    crashes: 0,
    restarts: 0,
    partitions: 0,
    commands: 0,
    decisionsLearned: 0,
    answered: 0,
    slotOut: 0,
    endMs: 0,
    linearizabilityUnknown: false,
    collectedBelow: 1,
    p1bMaxPValues: 0,
  };
}
