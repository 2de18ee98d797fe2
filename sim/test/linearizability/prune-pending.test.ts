import type { KeyOperation } from '../../src/linearizability/key-history';
import { withoutIrrelevantPendingOps } from '../../src/linearizability/prune-pending';
import { cas, del, done, failed, get, ok, pending, put } from './builders';

const numbered = (ops: ReturnType<typeof done>[]): KeyOperation[] =>
  ops.map((op, id) => ({ ...op, id }));

/** [case, history, ids that must survive] */
const cases: Array<[string, KeyOperation[], number[]]> = [
  [
    'completed ops always stay',
    numbered([done('c1', [0, 1], put('x', 'a'), ok(null)), done('c1', [2, 3], get('x'), ok('z'))]),
    [0, 1],
  ],
  ['a pending get goes', numbered([pending('c1', 0, get('x'))]), []],
  [
    'a pending put whose value is read stays',
    numbered([pending('c1', 0, put('x', 'a')), done('c2', [1, 2], get('x'), ok('a'))]),
    [0, 1],
  ],
  [
    'a pending put whose value nobody mentions goes',
    numbered([pending('c1', 0, put('x', 'a')), done('c2', [1, 2], get('x'), ok(null))]),
    [1],
  ],
  [
    'a pending put whose value is overwritten-and-reported stays',
    numbered([pending('c1', 0, put('x', 'a')), done('c2', [1, 2], put('x', 'b'), ok('a'))]),
    [0, 1],
  ],
  [
    'a pending put whose value a cas expects stays (even a pending cas)',
    numbered([pending('c1', 0, put('x', 'a')), pending('c2', 1, cas('x', 'a', 'b'))]),
    [0],
  ],
  [
    'a pending cas whose new value is seen by a failed cas stays',
    numbered([
      pending('c1', 0, cas('x', null, 'a')),
      done('c2', [1, 2], cas('x', null, 'b'), failed('a')),
    ]),
    [0, 1],
  ],
  [
    'a pending delete always stays (absent is observed everywhere)',
    numbered([pending('c1', 0, del('x'))]),
    [0],
  ],
];

describe('withoutIrrelevantPendingOps', () => {
  it.each(cases)('%s', (_name, ops, survivors) => {
    expect(withoutIrrelevantPendingOps(ops).map((op) => op.id)).toEqual(survivors);
  });
});
