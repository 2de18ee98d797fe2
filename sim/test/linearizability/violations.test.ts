import { type HistoryOperation, checkLinearizable } from '../../src/linearizability';
import { cas, del, done, failed, get, ok, pending, put } from './builders';

/**
 * Histories no correct store can produce. Each case names the reply (by history index) that
 * makes it impossible: the explanation must point at it.
 */
const cases: Array<[string, HistoryOperation[], number]> = [
  [
    'stale read after a completed write',
    [done('c1', [0, 10], put('x', 'a'), ok(null)), done('c2', [20, 30], get('x'), ok(null))],
    1,
  ],
  [
    'lost write: a read returns the older of two completed writes',
    [
      done('c1', [0, 10], put('x', 'a'), ok(null)),
      done('c2', [20, 30], put('x', 'b'), ok('a')),
      done('c3', [40, 50], get('x'), ok('a')),
    ],
    2,
  ],
  [
    'lost update: two overlapping puts both overwrite the initial value',
    [done('c1', [0, 10], put('x', 'a'), ok(null)), done('c2', [0, 10], put('x', 'b'), ok(null))],
    1,
  ],
  [
    'two successful cas from the same expected value',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 20], cas('x', 'a', 'b'), ok('b')),
      done('c3', [10, 20], cas('x', 'a', 'c'), ok('c')),
    ],
    2,
  ],
  [
    'a cas that fails although its expectation held',
    [
      done('c1', [0, 5], put('x', 'a'), ok(null)),
      done('c2', [10, 20], cas('x', 'a', 'b'), failed('a')),
    ],
    1,
  ],
  ['a read of a value never written', [done('c1', [0, 10], get('x'), ok('ghost'))], 0],
  [
    'reads going backwards in time (new then old, sequential)',
    [
      done('c1', [0, 10], put('x', 'a'), ok(null)),
      done('c2', [20, 100], put('x', 'b'), ok('a')),
      done('c3', [30, 40], get('x'), ok('b')),
      done('c3', [50, 60], get('x'), ok('a')),
    ],
    3,
  ],
  [
    'a delete that is not observed',
    [
      done('c1', [0, 10], put('x', 'a'), ok(null)),
      done('c1', [20, 30], del('x'), ok('a')),
      done('c2', [40, 50], get('x'), ok('a')),
    ],
    2,
  ],
  [
    'a put reporting the wrong previous value',
    [done('c1', [0, 10], put('x', 'a'), ok(null)), done('c1', [20, 30], put('x', 'b'), ok('z'))],
    1,
  ],
  [
    'a pending write cannot explain a read that returned before it was called',
    [done('c1', [0, 10], get('x'), ok('a')), pending('c2', 20, put('x', 'a'))],
    0,
  ],
];

describe('checkLinearizable rejects non-linearizable histories', () => {
  it.each(cases)('%s', (_name, history, culprit) => {
    const result = checkLinearizable(history);
    expect(result).toMatchObject({ linearizable: false, failingKey: 'x', keysChecked: 1 });
    expect(result.explanation).toContain('key "x"');
    expect(result.explanation).toContain(`It becomes impossible when #${culprit} returns`);
  });

  it('explains a stale read in readable terms', () => {
    const history = [
      done('c1', [0, 10], put('x', 'a'), ok(null)),
      done('c1', [20, 30], put('x', 'b'), ok('a')),
      done('c2', [40, 50], get('x'), ok('a')),
      done('c3', [60, 70], get('x'), ok('b')),
    ];
    const explanation = checkLinearizable(history).explanation ?? '';
    expect(explanation.split('\n')).toEqual([
      'key "x": no order of its 4 operations matches every reply.',
      'It becomes impossible when #2 returns at t=50.',
      'Shortest failing prefix: the 3 operations called by then (no reply = pending at that point):',
      '  #0 c1: put "a" -> was absent  [0, 10]',
      '  #1 c1: put "b" -> was "a"  [20, 30]',
      '  #2 c2: get -> "a"  [40, 50]',
      'Longest order found places 2 operations, leaving the value "b": #0, #1.',
      'Then #2 must take effect before it returns at t=50, but no operation that could go next can be placed:',
      '  #2 c2: get -> "a"  [40, 50]: cannot reply that while the value is "b"',
    ]);
  });
});
