/**
 * Decisions per second, derived from how fast the replicas' slot_out moves. Every decided
 * slot is applied by each replica in order, so the frontier (the highest slot_out) advances
 * by one per decision. Pure: the poller feeds it one sample per scrape round.
 */

export interface SlotOutSample {
  atMs: number;
  /** slot_out of each replica that answered this round. */
  slotOutByReplica: Record<string, number>;
}

export interface RatePoint {
  atMs: number;
  /** null when no replica answered in both rounds (a gap in the chart, not a zero). */
  perSecond: number | null;
}

export interface DecisionSeries {
  last: SlotOutSample | null;
  points: RatePoint[];
  /** Slots decided and applied so far, as far as any replica has got (null: never seen). */
  decidedSlots: number | null;
}

export const EMPTY_DECISION_SERIES: DecisionSeries = { last: null, points: [], decidedSlots: null };

export function advanceDecisionSeries(
  series: DecisionSeries,
  sample: SlotOutSample,
  maxPoints: number,
): DecisionSeries {
  const frontierNow = frontier(sample.slotOutByReplica);
  const decidedSlots = frontierNow === null ? series.decidedSlots : frontierNow - 1;
  if (series.last === null) return { last: sample, points: series.points, decidedSlots };
  const point: RatePoint = { atMs: sample.atMs, perSecond: rate(series.last, sample) };
  const points = [...series.points, point].slice(-maxPoints);
  return { last: sample, points, decidedSlots };
}

/**
 * Compares the frontier over the replicas seen in both rounds only: a replica that comes back
 * and catches up would otherwise look like a burst of decisions.
 */
function rate(before: SlotOutSample, after: SlotOutSample): number | null {
  const seconds = (after.atMs - before.atMs) / 1000;
  if (seconds <= 0) return null;
  const common = Object.keys(after.slotOutByReplica).filter(
    (name) => before.slotOutByReplica[name] !== undefined,
  );
  if (common.length === 0) return null;
  const pick = (s: SlotOutSample) =>
    Math.max(...common.map((name) => s.slotOutByReplica[name] ?? 0));
  return Math.max(0, pick(after) - pick(before)) / seconds;
}

function frontier(slotOutByReplica: Record<string, number>): number | null {
  const values = Object.values(slotOutByReplica);
  return values.length === 0 ? null : Math.max(...values);
}
