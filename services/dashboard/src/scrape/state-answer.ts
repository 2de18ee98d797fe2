import { z } from 'zod';

/**
 * The parts of a role service's GET /state that the dashboard reads. Loose on purpose: the
 * roles add fields freely, and a service that is still recovering answers `state: null`.
 */
const BallotFieldSchema = z.union([
  z.string(),
  z.object({ epoch: z.number().optional(), round: z.number(), leaderId: z.string() }),
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

/**
 * `3.leader-0` for round 3 of leader-0, `e2:3.leader-0` for the same round in configuration 2
 * (epoch 0 has no prefix, as the roles print it); `⊥` below every ballot of its epoch.
 */
export function ballotLabel(ballot: BallotField | undefined): string | null {
  if (ballot === undefined) return null;
  if (typeof ballot === 'string') return ballot;
  const prefix = ballot.epoch ? `e${ballot.epoch}:` : '';
  return ballot.round < 0 ? `${prefix}⊥` : `${prefix}${ballot.round}.${ballot.leaderId}`;
}

/** Where a ballot stands: ballots order by their configuration's epoch, then by round. */
export interface BallotRank {
  epoch: number;
  round: number;
}

/** Below every ballot: ⊥, or a ballot the dashboard cannot read. */
export const BOTTOM_RANK: BallotRank = { epoch: -1, round: -1 };

const PRINTED_BALLOT = /^(?:e(\d+):)?(?:(\d+)\.|⊥$)/;

/** The rank of a ballot as /state prints it (`e2:3.leader-0`, `3.leader-0`, `⊥`) or as an object. */
export function ballotRank(ballot: BallotField | undefined): BallotRank {
  if (ballot === undefined) return BOTTOM_RANK;
  if (typeof ballot !== 'string') return { epoch: ballot.epoch ?? 0, round: ballot.round };
  const m = PRINTED_BALLOT.exec(ballot);
  if (!m) return BOTTOM_RANK;
  return { epoch: Number(m[1] ?? 0), round: m[2] === undefined ? -1 : Number(m[2]) };
}

/** Negative when `a` is below `b`, as Array.prototype.sort wants. */
export const compareBallotRanks = (a: BallotRank, b: BallotRank): number =>
  a.epoch - b.epoch || a.round - b.round;
