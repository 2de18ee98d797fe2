import { epochOf, type Ballot } from '@paxos/shared';

/**
 * A ballot as a map key (`3.leader-1`, `e2:3.leader-1` in configuration 2): ballots of two
 * configurations may share a round and a leader, and must not share a key.
 */
export const ballotKey = (b: Ballot): string =>
  epochOf(b) === 0 ? `${b.round}.${b.leaderId}` : `e${epochOf(b)}:${b.round}.${b.leaderId}`;

/** A (ballot, slot) pair as a map key. */
export const ballotSlotKey = (b: Ballot, slot: number): string => `${ballotKey(b)}@${slot}`;
