import {
  LIMITS,
  SESSION_SLOT_FACTOR,
  jsonStringBytes,
  registrationSlotOf,
  unstorableCharAt,
} from '@paxos/shared';
import {
  HOSTILE_CASES,
  bogusSessionId,
  hostileBody,
  judge,
  unexpectedStatuses,
  valueOfJsonBytes,
} from '../src/workload/hostile-cases';
import type { CommandAnswer } from '../src/workload/session-client';

const ok = (slot: number, value: string | null = null): CommandAnswer => ({
  kind: 'ok',
  status: 200,
  slot,
  result: { ok: true, value },
});
const refused = (status: number, code: string): CommandAnswer => ({
  kind: 'refused',
  status,
  code,
  error: '',
});
const unknown = (code: string): CommandAnswer => ({
  kind: 'unknown',
  status: 410,
  code,
  error: '',
});
const gaveUp: CommandAnswer = { kind: 'unknown', status: 504, code: 'deadline', error: '' };

describe('hostile cases', () => {
  it('builds the bodies the cases promise', () => {
    const body = (c: Parameters<typeof hostileBody>[0]) =>
      JSON.parse(hostileBody(c, 7, 3, 'h')) as { op: { key: string; value?: string } };
    expect(unstorableCharAt(body('nul-value').op.value!)).toBeGreaterThanOrEqual(0);
    expect(unstorableCharAt(body('lone-surrogate-value').op.value!)).toBeGreaterThanOrEqual(0);
    expect(unstorableCharAt(body('lone-surrogate-key').op.key)).toBeGreaterThanOrEqual(0);
    expect(jsonStringBytes(body('value-at-limit').op.value!)).toBe(LIMITS.valueJsonBytesMax);
    expect(jsonStringBytes(body('value-over-limit').op.value!)).toBe(LIMITS.valueJsonBytesMax + 1);
    expect(Buffer.byteLength(hostileBody('value-at-limit', 7, 3, 'h'))).toBeLessThan(
      LIMITS.commandBodyBytesMax,
    );
    expect(Buffer.byteLength(hostileBody('body-over-limit', 7, 3, 'h'))).toBeGreaterThan(
      LIMITS.commandBodyBytesMax,
    );
    expect(valueOfJsonBytes(10)).toHaveLength(8);
  });

  it('makes bogus session ids from slot 1, past any position a batch can have', () => {
    for (const r of [0, 0.5, 0.999999]) {
      const id = bogusSessionId(() => r);
      expect(registrationSlotOf(id)).toBe(1);
      const position = id % SESSION_SLOT_FACTOR;
      expect(position).toBeGreaterThanOrEqual(LIMITS.batchCommandsMax);
      expect(position).toBeLessThan(SESSION_SLOT_FACTOR);
    }
  });

  // [case, answer, verdict kind]
  const verdicts: Array<[(typeof HOSTILE_CASES)[number], CommandAnswer, string]> = [
    ['nul-value', refused(400, 'invalid-command'), 'expected'],
    ['nul-value', ok(5), 'unexpected'],
    ['lone-surrogate-key', refused(400, 'invalid-command'), 'expected'],
    ['value-at-limit', ok(5), 'expected'],
    ['value-at-limit', refused(413, 'kv-quota-exceeded'), 'expected'],
    ['value-at-limit', refused(413, 'too-large'), 'unexpected'],
    ['value-at-limit', refused(400, 'invalid-command'), 'unexpected'],
    ['value-over-limit', refused(400, 'invalid-command'), 'expected'],
    ['body-over-limit', refused(413, 'too-large'), 'expected'],
    ['body-over-limit', refused(400, 'invalid-command'), 'unexpected'],
    ['bogus-session', unknown('session-unknown'), 'expected'],
    ['bogus-session', ok(5), 'unexpected'],
    ['reused-request-id', refused(409, 'request-id-conflict'), 'expected'],
    ['reused-request-id', ok(5), 'unexpected'],
    ['old-request-retry', unknown('request-too-old'), 'expected'],
    ['old-request-retry', ok(5, 'was'), 'expected'],
    ['old-request-retry', ok(6, 'was'), 'unexpected'],
    ['old-request-retry', ok(5, 'other'), 'unexpected'],
    ['nul-value', gaveUp, 'no-answer'],
  ];
  it.each(verdicts)('%s answered %j is %s', (c, answer, kind) => {
    expect(judge(c, answer, { slot: 5, result: { ok: true, value: 'was' } }).kind).toBe(kind);
  });

  it('flags every attempt status outside the contract', () => {
    const statuses = new Map([
      [0, 3],
      [200, 10],
      [503, 2],
      [504, 1],
      [500, 1],
      [502, 2],
    ]);
    expect(unexpectedStatuses(statuses)).toEqual([
      'HTTP 500: 1 attempt(s)',
      'HTTP 502: 2 attempt(s)',
    ]);
  });
});
