import {
  ForbiddenError,
  InvalidRequestError,
  OUTCOME_UNKNOWN_ADVICE,
  OutcomeUnknownError,
  PaxosError,
  UnauthorizedError,
} from './errors';
import type { Exchange } from './http';

/**
 * What one exchange means for a call, from the replicas' contract
 * (docs/limits-and-errors.md):
 *
 *   200                    done
 *   400 409 413 415        refused, nothing ran          InvalidRequestError
 *   401 / 403              the key                       UnauthorizedError / ForbiddenError
 *   410                    outcome unknown, never resent OutcomeUnknownError
 *   503                    retry after Retry-After; not-member and not-ready on the next replica
 *   504                    retry at once, same replica (it waited a whole command timeout)
 *   no answer, other 5xx   retry after a backoff on the next replica
 *
 * Every retry sends the same body: the same session and request id, so the command runs at
 * most once however many attempts reach a replica.
 */
export type Verdict =
  | { kind: 'done' }
  | { kind: 'fail'; error: PaxosError }
  | { kind: 'retry'; waitMs: number | 'backoff'; moveOn: boolean; why: string };

const REFUSED = new Set([400, 409, 413, 415]);
/** 503 codes that say this replica cannot serve now while another may. */
const TRY_ELSEWHERE = new Set(['not-member', 'not-ready']);

export function verdictOf(ex: Exchange, retryAfterMsMax: number): Verdict {
  const { status } = ex;
  if (status === 200) return { kind: 'done' };
  const { code, error } = errorOf(ex);
  const text = `${status} ${code}${error ? `: ${error}` : ''}`;
  if (status === 401) return { kind: 'fail', error: new UnauthorizedError(text, code, status) };
  if (status === 403) return { kind: 'fail', error: new ForbiddenError(text, code, status) };
  if (REFUSED.has(status))
    return { kind: 'fail', error: new InvalidRequestError(text, code, status) };
  if (status === 410) {
    return {
      kind: 'fail',
      error: new OutcomeUnknownError(`${text} (${OUTCOME_UNKNOWN_ADVICE})`, code, status),
    };
  }
  if (status === 503) {
    const waitMs =
      ex.retryAfterMs === null ? 'backoff' : Math.min(ex.retryAfterMs, retryAfterMsMax);
    return { kind: 'retry', waitMs, moveOn: TRY_ELSEWHERE.has(code), why: text };
  }
  if (status === 504) return { kind: 'retry', waitMs: 0, moveOn: false, why: text };
  if (status === 0) {
    return { kind: 'retry', waitMs: 'backoff', moveOn: true, why: ex.failure ?? 'no answer' };
  }
  if (status >= 500) return { kind: 'retry', waitMs: 'backoff', moveOn: true, why: text };
  // Anything else (a proxy's 404, a redirect) is not part of the contract: say what came back.
  return {
    kind: 'fail',
    error: new PaxosError(`unexpected answer ${text}`, code, status),
  };
}

export function errorOf(ex: Exchange): { code: string; error: string } {
  const b = ex.body as { code?: unknown; error?: unknown } | null;
  return {
    code: typeof b?.code === 'string' ? b.code : `http-${ex.status}`,
    error: typeof b?.error === 'string' ? b.error : '',
  };
}
