import {
  EMPTY_DECISION_SERIES,
  advanceDecisionSeries,
  type DecisionSeries,
  type SlotOutSample,
} from '../src/view/decision-series';

function run(samples: SlotOutSample[], maxPoints = 100): DecisionSeries {
  return samples.reduce(
    (s, sample) => advanceDecisionSeries(s, sample, maxPoints),
    EMPTY_DECISION_SERIES,
  );
}

describe('advanceDecisionSeries', () => {
  it('needs two rounds for a rate, and counts decided slots from the highest slot_out', () => {
    const one = run([{ atMs: 0, slotOutByReplica: { 'replica-0': 11, 'replica-1': 9 } }]);
    expect(one.points).toEqual([]);
    expect(one.decidedSlots).toBe(10);
  });

  it("is the frontier's advance per second", () => {
    const s = run([
      { atMs: 0, slotOutByReplica: { 'replica-0': 11, 'replica-1': 9 } },
      { atMs: 2_000, slotOutByReplica: { 'replica-0': 31, 'replica-1': 30 } },
    ]);
    expect(s.points).toEqual([{ atMs: 2_000, perSecond: 10 }]);
    expect(s.decidedSlots).toBe(30);
  });

  it('ignores a replica that was not there the round before (a restart catching up is no burst)', () => {
    const s = run([
      { atMs: 0, slotOutByReplica: { 'replica-1': 100 } },
      { atMs: 1_000, slotOutByReplica: { 'replica-0': 1, 'replica-1': 102 } },
      { atMs: 2_000, slotOutByReplica: { 'replica-0': 90, 'replica-1': 104 } },
    ]);
    expect(s.points.map((p) => p.perSecond)).toEqual([2, 2]);
  });

  it('leaves a gap (null, not zero) while no replica answers, then resumes', () => {
    const s = run([
      { atMs: 0, slotOutByReplica: { 'replica-0': 5 } },
      { atMs: 1_000, slotOutByReplica: {} },
      { atMs: 2_000, slotOutByReplica: { 'replica-0': 9 } },
      { atMs: 3_000, slotOutByReplica: { 'replica-0': 12 } },
    ]);
    expect(s.points.map((p) => p.perSecond)).toEqual([null, null, 3]);
    expect(s.decidedSlots).toBe(11);
  });

  it('never goes negative and keeps only the newest points', () => {
    const s = run(
      [
        { atMs: 0, slotOutByReplica: { 'replica-0': 5 } },
        { atMs: 1_000, slotOutByReplica: { 'replica-0': 3 } },
        { atMs: 2_000, slotOutByReplica: { 'replica-0': 4 } },
        { atMs: 3_000, slotOutByReplica: { 'replica-0': 6 } },
      ],
      2,
    );
    expect(s.points).toEqual([
      { atMs: 2_000, perSecond: 1 },
      { atMs: 3_000, perSecond: 2 },
    ]);
  });
});
