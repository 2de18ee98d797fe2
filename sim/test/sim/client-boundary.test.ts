import { LIMITS, jsonStringBytes, type Op } from '@paxos/shared';
import { admitCommand } from '../../src/clients/client-boundary';
import {
  longKey,
  valueAtLimit,
  valueOfJsonBytes,
  valueOverLimit,
  withUnstorableChar,
} from '../../src/clients/hostile-values';
import { hostileOp } from '../../src/clients/workload';
import { Prng } from '../../src/random/prng';

const rng = new Prng(11);
const put = (key: string, value: string): Op => ({ kind: 'put', key, value });

// [what, operation, HTTP status the shell answers (200: admitted, sent to a replica)]
const cases: Array<[string, Op, 200 | 400 | 413]> = [
  ['a plain put', put('k0', 'c0.1'), 200],
  ['NUL in a value', put('k0', 'a\u0000b'), 400],
  ['NUL in a key', { kind: 'get', key: '\u0000' }, 400],
  ['a lone high surrogate in a value', put('k0', 'x\ud800'), 400],
  ['a lone low surrogate in a key', { kind: 'delete', key: '\udc00k' }, 400],
  [
    'a lone surrogate in a cas expectation',
    { kind: 'cas', key: 'k', expected: '\udbff', value: 'v' },
    400,
  ],
  ['a surrogate pair (an emoji)', put('k😀', '😀'), 200],
  ['control characters and quotes', put('k"\n', '\u0001"\\\t'), 200],
  [
    'a value exactly at the limit, all escapes and multi-byte',
    put('k0', valueAtLimit(rng, 'p|')),
    200,
  ],
  ['a value one byte over the limit', put('k0', valueOverLimit(rng, 'p|')), 400],
  ['a key at its length limit', { kind: 'get', key: longKey(1) }, 200],
  ['a key one character over', { kind: 'get', key: `${longKey(1)}k` }, 400],
  ['an empty key', { kind: 'get', key: '' }, 400],
  [
    'a cas with an expectation and a value both at the limit: over the body limit',
    { kind: 'cas', key: 'k', expected: valueAtLimit(rng, 'e|'), value: valueAtLimit(rng, 'v|') },
    413,
  ],
  [
    'a valid command over the command limit but under the body limit',
    {
      kind: 'cas',
      key: 'k',
      expected: valueOfJsonBytes(rng, 'e|', 40_000),
      value: valueOfJsonBytes(rng, 'v|', 40_000),
    },
    413,
  ],
];

describe('the simulated client API boundary (as the replica HTTP shell: 400, 413, or sent)', () => {
  it.each(cases)('%s', (_what, op, status) => {
    const admission = admitCommand({ sessionId: 16384, requestId: 1, op });
    expect(admission.admitted ? 200 : admission.status).toBe(status);
  });

  it('refuses a session id of 0 or a request number of 0 (those are not commands)', () => {
    const op = put('k', 'v');
    expect(admitCommand({ sessionId: 0, requestId: 1, op }).admitted).toBe(false);
    expect(admitCommand({ sessionId: 1, requestId: 0, op }).admitted).toBe(false);
  });

  it('builds values of exactly the JSON size asked for, and unstorable strings', () => {
    for (const bytes of [10, 11, 100, 1_000, LIMITS.valueJsonBytesMax]) {
      expect(jsonStringBytes(valueOfJsonBytes(rng, 'c1.2|', bytes))).toBe(bytes);
    }
    for (let i = 0; i < 20; i++) {
      expect(
        admitCommand({ sessionId: 1, requestId: 1, op: put('k', withUnstorableChar(rng, 'abc')) }),
      ).toMatchObject({
        admitted: false,
        status: 400,
      });
    }
  });

  it('refuses every hostile operation meant to be refused, and admits the rest', () => {
    const expected: Record<string, number> = {
      'unstorable-key': 400,
      'unstorable-value': 400,
      'value-over-limit': 400,
      'cas-over-body-limit': 413,
      'value-at-limit': 200,
      'long-key': 200,
    };
    const seen = new Set<string>();
    const r = new Prng(5);
    for (let i = 0; i < 300; i++) {
      const { op, hostile } = hostileOp(r, 3, 2, i);
      const admission = admitCommand({ sessionId: 1, requestId: 1, op });
      const status = admission.admitted ? 200 : admission.status;
      expect([hostile, status]).toEqual([hostile, hostile === null ? 200 : expected[hostile]]);
      if (hostile !== null) seen.add(hostile);
    }
    expect([...seen].sort()).toEqual(Object.keys(expected).sort());
  });
});
