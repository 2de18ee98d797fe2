import {
  COVERED_INTERVALS_MAX,
  addCovered,
  describeCovered,
  isComplete,
  newCoverage,
  raiseCollectedBelow,
} from '../src/role/p1b-coverage';

/** A page's interval [from, before), or the acceptor reporting a higher horizon. */
type Op = [number, number | null] | { raise: number };

describe('p1b page coverage of one acceptor', () => {
  // [name, horizon, ops, intervals max, covered after, complete, intervals forgotten]
  const cases: Array<[string, number, Op[], number, string, boolean, string]> = [
    ['a whole reply', 1, [[1, null]], 8, '[1, ∞)', true, ''],
    [
      'pages in order',
      1,
      [
        [1, 5],
        [5, 9],
        [9, null],
      ],
      8,
      '[1, ∞)',
      true,
      '',
    ],
    [
      'pages in reverse order',
      1,
      [
        [9, null],
        [5, 9],
        [1, 5],
      ],
      8,
      '[1, ∞)',
      true,
      '',
    ],
    ['the last page alone', 1, [[9, null]], 8, '[9, ∞)', false, ''],
    [
      'a page lost in the middle',
      1,
      [
        [1, 5],
        [9, null],
      ],
      8,
      '[1, 5) [9, ∞)',
      false,
      '',
    ],
    [
      'every page but the last',
      1,
      [
        [1, 5],
        [5, 9],
      ],
      8,
      '[1, 9)',
      false,
      '',
    ],
    [
      'duplicated pages',
      1,
      [
        [1, 5],
        [1, 5],
        [5, 9],
        [1, 5],
      ],
      8,
      '[1, 9)',
      false,
      '',
    ],
    [
      'two replies with different page breaks',
      1,
      [
        [1, 5],
        [3, 12],
        [12, null],
      ],
      8,
      '[1, ∞)',
      true,
      '',
    ],
    ['a reply that starts above the horizon', 1, [[2, null]], 8, '[2, ∞)', false, ''],
    ['a reply from a higher horizon', 4, [[4, null]], 8, '[4, ∞)', true, ''],
    [
      'a later reply from a higher horizon fills what the first missed',
      1,
      [[1, 5], [9, null], { raise: 6 }, [6, 9]],
      8,
      '[6, ∞)',
      true,
      '',
    ],
    [
      'a page wholly below the horizon adds nothing',
      5,
      [
        [1, 3],
        [5, 7],
      ],
      8,
      '[5, 7)',
      false,
      '',
    ],
    [
      'past the cap the highest interval is forgotten: here the page itself',
      1,
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, null],
      ],
      3,
      '[1, 2) [3, 4) [5, 6)',
      false,
      '[7, ∞)',
    ],
    [
      'past the cap a lower page is kept and the highest interval forgotten',
      1,
      [
        [3, 4],
        [5, 6],
        [7, null],
        [1, 2],
        [2, 3],
      ],
      3,
      '[1, 4) [5, 6)',
      false,
      '[7, ∞)',
    ],
    [
      'at the cap a page that joins two intervals still counts',
      1,
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [2, 3],
        [7, null],
        [4, 5],
        [6, 7],
      ],
      3,
      '[1, ∞)',
      true,
      '',
    ],
  ];
  it.each(cases)('%s', (_name, horizon, ops, intervalsMax, covered, complete, forgotten) => {
    const coverage = newCoverage(horizon);
    const forgot = [];
    for (const op of ops) {
      if (Array.isArray(op)) {
        const lost = addCovered(coverage, { from: op[0], before: op[1] }, intervalsMax);
        if (lost !== null) forgot.push(lost);
      } else raiseCollectedBelow(coverage, op.raise);
      expect(coverage.covered.length).toBeLessThanOrEqual(intervalsMax);
    }
    expect(describeCovered(coverage.covered)).toBe(covered);
    expect(isComplete(coverage)).toBe(complete);
    expect(describeCovered(forgot)).toBe(forgotten);
  });

  it('holds at most COVERED_INTERVALS_MAX intervals, and a reply in order still completes', () => {
    for (const step of [2, -2]) {
      const coverage = newCoverage(1);
      for (let i = 0; i < 5000; i++) {
        const slot = step > 0 ? 2 + i * step : 10_000 + i * step;
        addCovered(coverage, { from: slot, before: slot + 1 });
      }
      expect(coverage.covered).toHaveLength(COVERED_INTERVALS_MAX);
      expect(isComplete(coverage)).toBe(false);
      const reply = [
        [1, 300],
        [300, 7000],
        [7000, 20_000],
        [20_000, null],
      ] as const;
      for (const [from, before] of reply) addCovered(coverage, { from, before });
      expect(describeCovered(coverage.covered)).toBe('[1, ∞)');
      expect(isComplete(coverage)).toBe(true);
    }
  });
});
