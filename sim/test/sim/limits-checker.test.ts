import { LIMITS, type Envelope, type PersistOp } from '@paxos/shared';
import {
  LimitsChecker,
  hasUnstorableEscape,
  unstorableIn,
} from '../../src/checkers/limits-checker';
import { Prng } from '../../src/random/prng';
import { valueOfJsonBytes } from '../../src/clients/hostile-values';
import { batch, command, violationOf } from './support/fixtures';

/** A decision message whose JSON is exactly `bytes` bytes long, by padding one value. */
function decisionOfJsonBytes(bytes: number): Envelope {
  const shell = (value: string): Envelope => ({
    to: 'replica-0',
    message: {
      type: 'decision',
      from: 'leader-0',
      slot: 1,
      value: batch('b', command(1, 1, { kind: 'put', key: 'k', value })),
    },
  });
  const overhead = JSON.stringify(shell('').message).length;
  return shell('x'.repeat(bytes - overhead));
}

const put = (key: string, value: unknown): PersistOp => ({ op: 'put', key, slot: null, value });

describe('LimitsChecker (messages and durable writes within LIMITS, storable strings only)', () => {
  // [what, run against a fresh checker, invariant (null: none)]
  const cases: Array<[string, (c: LimitsChecker) => void, string | null]> = [
    [
      'a message at the limit',
      (c) => c.afterSends('leader-0', [decisionOfJsonBytes(LIMITS.messageJsonBytesMax)]),
      null,
    ],
    [
      'a message one byte over',
      (c) => c.afterSends('leader-0', [decisionOfJsonBytes(LIMITS.messageJsonBytesMax + 1)]),
      'limits',
    ],
    [
      'a message over the limit, measured from its queued text',
      (c) => {
        const sent = decisionOfJsonBytes(LIMITS.messageJsonBytesMax + 1);
        c.afterSends('leader-0', [{ ...sent, payload: JSON.stringify(sent.message) }]);
      },
      'limits',
    ],
    [
      'a NUL in the queued text of a message sent to two destinations',
      (c) => {
        const message = {
          type: 'propose',
          from: 'replica-0',
          slot: 1,
          value: batch('b', command(1, 1, { kind: 'get', key: 'a\u0000' })),
        } as const;
        const payload = JSON.stringify(message);
        c.afterSends('replica-0', [
          { to: 'leader-0', message, payload },
          { to: 'leader-1', message, payload },
        ]);
      },
      'storable',
    ],
    [
      'a durable value over the limit, measured from its given JSON',
      (c) => {
        const value = 'x'.repeat(LIMITS.stateWriteJsonBytesMax - 1);
        c.afterWrites('replica-0', [
          { ...put('snapshot:1:0', value), json: JSON.stringify(value) },
        ]);
      },
      'limits',
    ],
    [
      'a durable value at the limit',
      (c) =>
        c.afterWrites('replica-0', [
          put('snapshot:1:0', 'x'.repeat(LIMITS.stateWriteJsonBytesMax - 2)),
        ]),
      null,
    ],
    [
      'a durable value one byte over',
      (c) =>
        c.afterWrites('replica-0', [
          put('snapshot:1:0', 'x'.repeat(LIMITS.stateWriteJsonBytesMax - 1)),
        ]),
      'limits',
    ],
    [
      'a truncation (no value)',
      (c) => c.afterWrites('replica-0', [{ op: 'truncate', belowSlot: 5 }]),
      null,
    ],
    [
      'NUL in a message',
      (c) =>
        c.afterSends('replica-0', [
          {
            to: 'leader-0',
            message: {
              type: 'propose',
              from: 'replica-0',
              slot: 1,
              value: batch('b', command(1, 1, { kind: 'get', key: 'a\u0000' })),
            },
          },
        ]),
      'storable',
    ],
    [
      'a lone surrogate in a durable value',
      (c) => c.afterWrites('acceptor-0', [put('accepted:1', { v: ['ok', 'x\ud800'] })]),
      'storable',
    ],
    [
      'a lone surrogate in a durable key',
      (c) => c.afterWrites('acceptor-0', [put('k\udc00', 1)]),
      'storable',
    ],
    [
      'pairs, escapes and control characters are fine',
      (c) => c.afterWrites('replica-0', [put('k', '😀 \\u0000 "\u0001\n')]),
      null,
    ],
  ];
  it.each(cases)('%s', (_what, run, invariant) => {
    expect(violationOf(() => run(new LimitsChecker()))).toBe(invariant);
  });

  it('remembers the largest message and durable value', () => {
    const c = new LimitsChecker();
    c.afterSends('leader-0', [decisionOfJsonBytes(1000), decisionOfJsonBytes(3000)]);
    c.afterWrites('replica-0', [put('a', 'xx')]);
    expect(c.messageMaxJsonBytes).toBe(3000);
    expect(c.stateWriteMaxJsonBytes).toBe(4);
  });

  it('finds unstorable escapes in JSON text exactly where unstorableIn finds the strings', () => {
    const rng = new Prng(3);
    const values: unknown[] = [
      'a\u0000b',
      '\ud800',
      'x\udbff',
      '\udc00',
      '\udfffy',
      '😀',
      '\\u0000',
      '\\\u0000',
      '\\\\ud800',
      '\u0001\u001f"',
      { 'k\u0000': 1 },
      [1, 'ok', ['\ud83d']],
      valueOfJsonBytes(rng, 'big|', 10_000),
      '\\'.repeat(50_000) + 'u0000',
    ];
    for (const value of values) {
      expect([value, hasUnstorableEscape(JSON.stringify(value))]).toEqual([
        value,
        unstorableIn(value, 'v') !== null,
      ]);
    }
  });
});
