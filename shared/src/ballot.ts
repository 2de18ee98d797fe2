import { z } from 'zod';
import { ProcessIdSchema } from './ids';

/**
 * A ballot is (epoch, round, leaderId), ordered lexicographically. The epoch names the
 * configuration whose Paxos instance the ballot belongs to (configuration.ts): an acceptor keeps
 * one promise per epoch, and ballots of different epochs never compete. Absent means epoch 0,
 * the initial configuration (what every ballot was before reconfiguration existed).
 */
export const BallotSchema = z.object({
  epoch: z.number().int().min(0).optional(),
  round: z.number().int().min(-1),
  leaderId: z.string().max(128),
});
export type Ballot = z.infer<typeof BallotSchema>;

/** Below every ballot a leader can make: an acceptor's initial ballot. */
export const BOTTOM_BALLOT: Ballot = Object.freeze({ round: -1, leaderId: '' });

export const epochOf = (b: Ballot): number => b.epoch ?? 0;

export function compareBallots(a: Ballot, b: Ballot): number {
  const ea = epochOf(a);
  const eb = epochOf(b);
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  if (a.leaderId === b.leaderId) return 0;
  return a.leaderId < b.leaderId ? -1 : 1;
}

export const ballotEquals = (a: Ballot, b: Ballot): boolean => compareBallots(a, b) === 0;
export const ballotGreater = (a: Ballot, b: Ballot): boolean => compareBallots(a, b) > 0;

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

/** The first ballot of `leaderId` in configuration `epoch` (epoch 0 is written without it). */
export function firstBallot(leaderId: string, epoch = 0): Ballot {
  const id = ProcessIdSchema.parse(leaderId);
  return epoch === 0 ? { round: 0, leaderId: id } : { epoch, round: 0, leaderId: id };
}

/** The next ballot after `b`'s round, owned by `leaderId`, in the same epoch. */
export function ballotAfter(b: Ballot, leaderId: string): Ballot {
  const epoch = epochOf(b);
  const round = b.round + 1;
  return epoch === 0 ? { round, leaderId } : { epoch, round, leaderId };
}

/** Below every ballot of configuration `epoch`: an acceptor's promise before any p1a of it. */
export function bottomBallotOf(epoch: number): Ballot {
  return epoch === 0 ? BOTTOM_BALLOT : { epoch, round: -1, leaderId: '' };
}

export function ballotToString(b: Ballot): string {
  const prefix = epochOf(b) === 0 ? '' : `e${epochOf(b)}:`;
  return b.round < 0 ? `${prefix}⊥` : `${prefix}${b.round}.${b.leaderId}`;
}
