import type { KeyOp, OpResult } from '@paxos/shared';
import type { HistoryOperation } from '../linearizability';

/**
 * How one operation ended, as the replicas' HTTP contract would have told the client
 * (docs/limits-and-errors.md):
 * - `ok`: 200, `output` holds the result;
 * - `invalid`: 400 at the client API boundary (NUL, lone surrogate, value too large): never sent;
 * - `too-large`: 413, the body is over the command limit: never sent;
 * - `conflict`: 409, the request number already ran another operation: this one never ran;
 * - `unknown`: 410 session-unknown or request-too-old: it never runs now, but the number may
 *   have run before (an earlier attempt whose answer was lost), so its outcome is unknown;
 * - `quota`: 413 kv-quota-exceeded: it was decided and changed nothing.
 */
export type ClientOutcome = 'ok' | 'invalid' | 'too-large' | 'conflict' | 'unknown' | 'quota';

/** One operation as the client saw it (the linearizability checker's input, and more). */
export interface ClientOperation {
  clientId: string;
  /** The session it was sent under (0: never sent). */
  sessionId: number;
  /** Its request number within that session (0: never sent). */
  requestId: number;
  input: KeyOp;
  /** When it was issued. */
  call: number;
  /** null while the client waits for it. */
  outcome: ClientOutcome | null;
  /** The result of an `ok` outcome; null otherwise. */
  output: OpResult | null;
  /** When the outcome arrived, or null. */
  return: number | null;
  attempts: number;
  /** What the boundary or the replicas said when it did not run, for traces. */
  refusal: string | null;
}

/**
 * The operation as the linearizability checker sees it, or null if it certainly never took
 * effect (refused at the boundary, over quota, or beaten to its number by another operation).
 * An operation without an answer, or with an unknown outcome, may have taken effect at any
 * time after its call, or never: it goes in pending.
 */
export function historyOperationOf(op: ClientOperation): HistoryOperation | null {
  const { clientId, input, call } = op;
  switch (op.outcome) {
    case 'ok':
      return { clientId, input, call, output: op.output, return: op.return };
    case null:
    case 'unknown':
      return { clientId, input, call, output: null, return: null };
    case 'invalid':
    case 'too-large':
    case 'conflict':
    case 'quota':
      return null;
  }
}

/** `client-2/7:3`: the client, its session and the request number. */
export const describeOperation = (op: ClientOperation): string =>
  `${op.clientId}/${op.sessionId}:${op.requestId}`;
