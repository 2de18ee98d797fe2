import type { AxiosInstance } from 'axios';
import { verdictOf } from './answers';
import {
  AbortedError,
  OUTCOME_UNKNOWN_ADVICE,
  TimeoutError,
  UnavailableError,
  type PaxosError,
} from './errors';
import { CallerAborted, postJson, type Exchange } from './http';
import type { ResolvedOptions } from './options';

/** One call as the retry loop sees it. */
export interface Call {
  /** For messages: `put "greeting"`. */
  what: string;
  /** A write may have run once any attempt may have reached a replica. */
  isWrite: boolean;
  /** monotonic ms (performance.now()) past which the call gives up. */
  deadlineMs: number;
  signal: AbortSignal | undefined;
}

export const nowMs = (): number => performance.now();

/**
 * Sends requests to the replicas, one at a time, and retries one request (its body unchanged)
 * until it has a final answer, the call's attempts or time run out, or the caller aborts. It
 * stays on the replica that answered last and moves on when that one does not answer or says
 * it cannot serve (answers.ts has which answers do what).
 */
export class Transport {
  private endpointAt = 0;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly http: AxiosInstance,
  ) {}

  /** The replica URL calls go to now. */
  get endpoint(): string {
    return this.o.endpoints[this.endpointAt % this.o.endpoints.length]!;
  }

  /** The next replica: after a failure, and for a watch that lost its stream. */
  moveOn(): void {
    this.endpointAt = (this.endpointAt + 1) % this.o.endpoints.length;
  }

  /** The 200 exchange of `path` with `bodyText`, or a PaxosError saying why there is none. */
  async post(path: string, bodyText: string, call: Call): Promise<Exchange> {
    let backoffMs = this.o.backoffMsInitial;
    let mayHaveReached = false;
    let last = 'no attempt';
    for (let attempt = 1; attempt <= this.o.attemptsMax; attempt++) {
      const leftMs = call.deadlineMs - nowMs();
      if (call.signal?.aborted) throw stopped('aborted', call, mayHaveReached);
      if (leftMs <= 0) throw stopped('timeout', call, mayHaveReached, last);
      let ex: Exchange;
      try {
        ex = await postJson(this.http, `${this.endpoint}${path}`, bodyText, {
          apiKey: this.o.apiKey,
          timeoutMs: Math.min(this.o.attemptTimeoutMs, leftMs),
          signal: call.signal,
        });
      } catch (err) {
        if (err instanceof CallerAborted) throw stopped('aborted', call, true);
        throw err;
      }
      const verdict = verdictOf(ex, this.o.retryAfterMsMax);
      if (verdict.kind === 'done') return ex;
      if (verdict.kind === 'fail') throw verdict.error;
      // A 503 was turned away before it was held; anything else may have reached the log.
      if (ex.status !== 503) mayHaveReached = true;
      last = verdict.why;
      if (verdict.moveOn) this.moveOn();
      const waitMs = verdict.waitMs === 'backoff' ? backoffMs : verdict.waitMs;
      if (verdict.waitMs === 'backoff') backoffMs = Math.min(this.o.backoffMsMax, backoffMs * 2);
      if (attempt < this.o.attemptsMax) await pause(waitMs, call);
    }
    throw new UnavailableError(
      `${call.what}: no final answer after ${this.o.attemptsMax} attempts (last: ${last})` +
        (call.isWrite && mayHaveReached ? `; ${OUTCOME_UNKNOWN_ADVICE}` : ''),
      'unavailable',
      0,
      call.isWrite && mayHaveReached,
    );
  }
}

function stopped(
  why: 'aborted' | 'timeout',
  call: Call,
  mayHaveReached: boolean,
  last = '',
): PaxosError {
  const mayHaveRun = call.isWrite && mayHaveReached;
  const tail = mayHaveRun ? `; ${OUTCOME_UNKNOWN_ADVICE}` : '; it was not applied';
  const Err = why === 'aborted' ? AbortedError : TimeoutError;
  const head = why === 'aborted' ? 'aborted by the caller' : `timed out (last: ${last})`;
  return new Err(`${call.what} ${head}${call.isWrite ? tail : ''}`, why, 0, mayHaveRun);
}

/** Waits `ms`, less if the call's deadline comes first; an abort ends the wait at once. */
export function pause(ms: number, call: Pick<Call, 'deadlineMs' | 'signal'>): Promise<void> {
  const waitMs = Math.max(0, Math.min(ms, call.deadlineMs - nowMs()));
  if (waitMs === 0 || call.signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    call.signal?.addEventListener('abort', done, { once: true });
  });
}
