import { z } from 'zod';
import { ProcessIdSchema } from './ids';

/** A ballot is (round, leaderId), ordered lexicographically. */
export const BallotSchema = z.object({
  round: z.number().int().min(-1),
  leaderId: z.string().max(128),
});
export type Ballot = z.infer<typeof BallotSchema>;

/** Below every ballot a leader can make: an acceptor's initial ballot. */
export const BOTTOM_BALLOT: Ballot = Object.freeze({ round: -1, leaderId: '' });

export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  if (a.leaderId === b.leaderId) return 0;
  return a.leaderId < b.leaderId ? -1 : 1;
}

export const ballotEquals = (a: Ballot, b: Ballot): boolean => compareBallots(a, b) === 0;
export const ballotGreater = (a: Ballot, b: Ballot): boolean => compareBallots(a, b) > 0;

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

export function firstBallot(leaderId: string): Ballot {
  return { round: 0, leaderId: ProcessIdSchema.parse(leaderId) };
}

export function ballotToString(b: Ballot): string {
  return b.round < 0 ? '⊥' : `${b.round}.${b.leaderId}`;
}
