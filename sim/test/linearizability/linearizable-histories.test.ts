import { type HistoryOperation, checkLinearizable } from '../../src/linearizability';
import { cas, del, done, failed, get, ok, pending, put } from './builders';

/** Histories some correct store could have produced: each must be accepted. */
const cases: Array<[string, HistoryOperation[]]> = [
  ['an empty history', []],
  [
    'sequential operations of every kind',
    [
      done('c1', [0, 1], get('x'), ok(null)),
      done('c1', [2, 3], put('x', 'a'), ok(null)),
      done('c1', [4, 5], get('x'), ok('a')),
      done('c1', [6, 7], cas('x', 'a', 'b'), ok('b')),
      done('c1', [8, 9], cas('x', 'a', 'c'), failed('b')),
      done('c1', [10, 11], del('x'), ok('b')),
      done('c1', [12, 13], get('x'), ok(null)),
      done('c1', [14, 15], cas('x', null, 'd'), ok('d')),
      done('c1', [16, 17], del('x'), ok('d')),
      done('c1', [18, 19], del('x'), ok(null)),
    ],
  ],
  [
    'overlapping writes ordered a then b',
    [
      done('c1', [0, 10], put('x', 'a'), ok(null)),
      done('c2', [5, 15], put('x', 'b'), ok('a')),
      done('c3', [20, 30], get('x'), ok('b')),
    ],
  ],
  [
    'overlapping writes ordered b then a (the later call takes effect first)',
    [
      done('c1', [0, 10], put('x', 'a'), ok('b')),
      done('c2', [5, 15], put('x', 'b'), ok(null)),
      done('c3', [20, 30], get('x'), ok('a')),
    ],
  ],
  [
    'a read overlapping a write sees the old value',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 20], put('x', 'b'), ok('a')),
      done('c3', [12, 18], get('x'), ok('a')),
    ],
  ],
  [
    'a read overlapping a write sees the new value',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 20], put('x', 'b'), ok('a')),
      done('c3', [12, 18], get('x'), ok('b')),
    ],
  ],
  [
    'two reads overlapping a write: old then new',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 40], put('x', 'b'), ok('a')),
      done('c3', [12, 18], get('x'), ok('a')),
      done('c3', [20, 30], get('x'), ok('b')),
    ],
  ],
  [
    'a pending write that took effect',
    [pending('c1', 0, put('x', 'a')), done('c2', [10, 20], get('x'), ok('a'))],
  ],
  [
    'a pending write that never took effect',
    [pending('c1', 0, put('x', 'a')), done('c2', [10, 20], get('x'), ok(null))],
  ],
  [
    'a pending write that took effect late, after an early read missed it',
    [
      pending('c1', 0, put('x', 'a')),
      done('c2', [10, 20], get('x'), ok(null)),
      done('c2', [100, 110], get('x'), ok('a')),
    ],
  ],
  [
    'a pending delete that took effect',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      pending('c2', 10, del('x')),
      done('c3', [20, 30], get('x'), ok(null)),
    ],
  ],
  [
    'two identical pending writes that both took effect',
    [
      pending('c1', 0, put('x', 'a')),
      pending('c2', 0, put('x', 'a')),
      done('c3', [10, 20], put('x', 'b'), ok('a')),
      done('c3', [30, 40], get('x'), ok('a')),
    ],
  ],
  [
    'a cas race where the first caller wins',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 20], cas('x', 'a', 'b'), ok('b')),
      done('c3', [10, 20], cas('x', 'a', 'c'), failed('b')),
      done('c1', [30, 40], get('x'), ok('b')),
    ],
  ],
  [
    'a cas race where the second caller wins',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 20], cas('x', 'a', 'b'), failed('c')),
      done('c3', [10, 20], cas('x', 'a', 'c'), ok('c')),
      done('c1', [30, 40], get('x'), ok('c')),
    ],
  ],
  [
    'a cas creating an absent key races a put',
    [
      done('c1', [0, 10], cas('x', null, 'a'), ok('a')),
      done('c2', [0, 10], put('x', 'b'), ok('a')),
      done('c3', [20, 30], get('x'), ok('b')),
    ],
  ],
  [
    'intervals that only touch count as overlapping (no verdict hinges on a clock tie)',
    [done('c1', [0, 10], put('x', 'a'), ok(null)), done('c2', [10, 20], get('x'), ok(null))],
  ],
  [
    'independent keys do not constrain each other',
    [
      done('c1', [0, 10], put('x', 'a'), ok(null)),
      done('c2', [20, 30], get('y'), ok(null)),
      done('c2', [40, 50], get('x'), ok('a')),
    ],
  ],
];

describe('checkLinearizable accepts linearizable histories', () => {
  it.each(cases)('%s', (_name, history) => {
    const result = checkLinearizable(history);
    expect(result).toMatchObject({ linearizable: true });
    expect(result.failingKey).toBeUndefined();
    expect(result.keysChecked).toBe(new Set(history.map((op) => op.input.key)).size);
  });

  it('counts explored states', () => {
    const history = cases.find(([name]) => name.startsWith('sequential'))?.[1] ?? [];
    expect(checkLinearizable(history).statesExplored).toBeGreaterThanOrEqual(history.length);
  });

  it('does not depend on the order operations are listed in', () => {
    const history = cases.find(([name]) => name.startsWith('two reads'))?.[1] ?? [];
    expect(checkLinearizable([...history].reverse()).linearizable).toBe(true);
  });
});
