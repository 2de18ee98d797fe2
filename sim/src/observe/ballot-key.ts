import type { Ballot } from '@paxos/shared';

/** A ballot as a map key (`3.leader-1`); ids never contain a dot-free ambiguity with rounds. */
export const ballotKey = (b: Ballot): string => `${b.round}.${b.leaderId}`;

/** A (ballot, slot) pair as a map key. */
export const ballotSlotKey = (b: Ballot, slot: number): string => `${ballotKey(b)}@${slot}`;
