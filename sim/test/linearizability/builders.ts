import type { KeyOp, OpResult } from '@paxos/shared';
import type { HistoryOperation } from '../../src/linearizability';

/** Terse constructors so each test history reads like a timing diagram. */
export const get = (key: string): KeyOp => ({ kind: 'get', key });
export const put = (key: string, value: string): KeyOp => ({ kind: 'put', key, value });
export const del = (key: string): KeyOp => ({ kind: 'delete', key });
export const cas = (key: string, expected: string | null, value: string): KeyOp => ({
  kind: 'cas',
  key,
  expected,
  value,
});

export const ok = (value: string | null): OpResult => ({ ok: true, value });
export const failed = (value: string | null): OpResult => ({ ok: false, value });

/** An operation that got its reply. */
export function done(
  clientId: string,
  [call, ret]: [number, number],
  input: KeyOp,
  output: OpResult,
): HistoryOperation {
  return { clientId, input, call, output, return: ret };
}

/** An operation whose client never heard back. */
export function pending(clientId: string, call: number, input: KeyOp): HistoryOperation {
  return { clientId, input, call, output: null, return: null };
}
