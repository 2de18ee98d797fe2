import { LIMITS, SESSION_SLOT_FACTOR, sessionIdOf, type OpResult } from '@paxos/shared';
import type { CommandAnswer } from './session-client';

/**
 * The hostile inputs of issue 17 that a client can send, and the answer the replicas'
 * contract promises for each (docs/limits-and-errors.md). Pure: the bodies and the verdicts;
 * hostile-client.ts sends them.
 */
export const HOSTILE_CASES = [
  'nul-value',
  'lone-surrogate-value',
  'lone-surrogate-key',
  'value-at-limit',
  'value-over-limit',
  'body-over-limit',
  'bogus-session',
  'reused-request-id',
  'old-request-retry',
] as const;
export type HostileCase = (typeof HOSTILE_CASES)[number];

/** An allowed answer: a status, and the body's `code` when the status alone says too little. */
interface Expected {
  status: number;
  code?: string;
}

export const EXPECTED: Readonly<Record<HostileCase, readonly Expected[]>> = {
  'nul-value': [{ status: 400, code: 'invalid-command' }],
  'lone-surrogate-value': [{ status: 400, code: 'invalid-command' }],
  'lone-surrogate-key': [{ status: 400, code: 'invalid-command' }],
  // At the limit the command is valid; only the store's quota may refuse it.
  'value-at-limit': [{ status: 200 }, { status: 413, code: 'kv-quota-exceeded' }],
  'value-over-limit': [{ status: 400, code: 'invalid-command' }],
  'body-over-limit': [{ status: 413, code: 'too-large' }],
  'bogus-session': [{ status: 410, code: 'session-unknown' }],
  'reused-request-id': [{ status: 409, code: 'request-id-conflict' }],
  // The original answer (same slot and result: it did not run again), or gone. A 410
  // session-unknown is allowed too: the client's own session may have been evicted.
  'old-request-retry': [{ status: 200 }, { status: 410 }],
};

/** A value whose JSON is exactly `jsonBytes` bytes (plain letters: no escapes). */
export const valueOfJsonBytes = (jsonBytes: number): string => 'x'.repeat(jsonBytes - 2);

/**
 * A session id no replica can have given out, from a slot every replica has applied: slot 1,
 * at a position past the largest batch. (An id from a slot not applied yet is held back until
 * that slot is, as its registration may be on its way: it would wait, not be refused.)
 */
export const bogusSessionId = (random: () => number): number =>
  sessionIdOf(
    1,
    LIMITS.batchCommandsMax +
      Math.floor(random() * (SESSION_SLOT_FACTOR - LIMITS.batchCommandsMax)),
  );

/**
 * The body of one self-contained case (the two that need an earlier command, reused-request-id
 * and old-request-retry, are built by the client from that command).
 */
export function hostileBody(
  c: Exclude<HostileCase, 'reused-request-id' | 'old-request-retry'>,
  sessionId: number,
  requestId: number,
  keyPrefix: string,
): string {
  const put = (key: string, value: string) =>
    JSON.stringify({ sessionId, requestId, op: { kind: 'put', key, value } });
  switch (c) {
    case 'nul-value':
      return put(`${keyPrefix}-nul`, 'before\u0000after');
    case 'lone-surrogate-value':
      return put(`${keyPrefix}-surrogate`, 'half a pair: \ud800!');
    case 'lone-surrogate-key':
      return JSON.stringify({
        sessionId,
        requestId,
        op: { kind: 'get', key: `${keyPrefix}\udc00` },
      });
    case 'value-at-limit':
      return put(`${keyPrefix}-big`, valueOfJsonBytes(LIMITS.valueJsonBytesMax));
    case 'value-over-limit':
      return put(`${keyPrefix}-big`, valueOfJsonBytes(LIMITS.valueJsonBytesMax + 1));
    case 'body-over-limit':
      return put(`${keyPrefix}-big`, valueOfJsonBytes(LIMITS.commandBodyBytesMax + 1));
    case 'bogus-session':
      return put(`${keyPrefix}-bogus`, 'never runs');
  }
}

export type Verdict =
  | { kind: 'expected'; status: number }
  /** No final answer before the deadline (faults): neither right nor wrong. */
  | { kind: 'no-answer' }
  | { kind: 'unexpected'; detail: string };

/**
 * Judges a case's final answer. For old-request-retry, `original` is the first answer of the
 * retried command: a 200 must repeat its slot and result, or the command ran twice.
 */
export function judge(
  c: HostileCase,
  answer: CommandAnswer,
  original?: { slot: number; result: OpResult },
): Verdict {
  if (answer.kind === 'unknown' && answer.code === 'deadline') return { kind: 'no-answer' };
  const code = answer.kind === 'ok' ? undefined : answer.code;
  const allowed = EXPECTED[c].some(
    (e) => e.status === answer.status && (e.code === undefined || e.code === code),
  );
  const got = `${answer.status}${code ? ` ${code}` : ''}`;
  if (!allowed) {
    const want = EXPECTED[c].map((e) => `${e.status}${e.code ? ` ${e.code}` : ''}`).join(' or ');
    return { kind: 'unexpected', detail: `${c}: got ${got}, expected ${want}` };
  }
  if (c === 'old-request-retry' && answer.kind === 'ok' && original) {
    const same =
      answer.slot === original.slot &&
      answer.result.ok === original.result.ok &&
      answer.result.value === original.result.value;
    if (!same) {
      return {
        kind: 'unexpected',
        detail:
          `${c}: ran again: first slot ${original.slot} ${JSON.stringify(original.result)}, ` +
          `retry slot ${answer.slot} ${JSON.stringify(answer.result)}`,
      };
    }
  }
  return { kind: 'expected', status: answer.status };
}

/** Statuses any attempt may see: the contract's answers, and no answer at all (0). */
const CONTRACT_STATUSES = new Set([0, 200, 400, 409, 410, 413, 503, 504]);

/** Attempts whose status the contract does not have (a 500, a 502, a 404 ...), as `status: n`. */
export function unexpectedStatuses(statuses: ReadonlyMap<number, number>): string[] {
  return [...statuses]
    .filter(([status]) => !CONTRACT_STATUSES.has(status))
    .map(([status, n]) => `HTTP ${status}: ${n} attempt(s)`);
}
