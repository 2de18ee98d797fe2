import { z } from 'zod';

/**
 * The parts of a role service's GET /state that the dashboard reads. Loose on purpose: the
 * roles add fields freely, and a service that is still recovering answers `state: null`.
 */
const BallotFieldSchema = z.union([
  z.string(),
  z.object({ round: z.number(), leaderId: z.string() }),
]);
export type BallotField = z.infer<typeof BallotFieldSchema>;

export const StateAnswerSchema = z.looseObject({
  role: z.string(),
  processId: z.string(),
  host: z
    .looseObject({
      ready: z.boolean().optional(),
      epoch: z.number().optional(),
      inbox: z.number().optional(),
      starting: z.boolean().optional(),
    })
    .optional(),
  state: z
    .looseObject({
      ballot: BallotFieldSchema.optional(),
      active: z.boolean().optional(),
      slotOut: z.number().optional(),
      digest: z.string().optional(),
    })
    .nullable()
    .optional(),
});
export type StateAnswer = z.infer<typeof StateAnswerSchema>;

/** `3.leader-0` for round 3 of leader-0; `⊥` below every ballot. */
export function ballotLabel(ballot: BallotField | undefined): string | null {
  if (ballot === undefined) return null;
  if (typeof ballot === 'string') return ballot;
  return ballot.round < 0 ? '⊥' : `${ballot.round}.${ballot.leaderId}`;
}

/** The ballot's round, to order leaders that both claim to be active; -1 for ⊥ or unknown. */
export function ballotRound(ballot: BallotField | undefined): number {
  if (ballot === undefined) return -1;
  if (typeof ballot !== 'string') return ballot.round;
  const round = Number(ballot.split('.')[0]);
  return Number.isInteger(round) ? round : -1;
}
