import type { Op, OpResult } from '@paxos/shared';
import { Agent, request, type Dispatcher } from 'undici';

/**
 * A client of the replicas' HTTP contract (docs/limits-and-errors.md): it registers a session
 * (`POST /sessions`), numbers its commands 1, 2, 3, ... and retries one command with the SAME
 * session and request number until it gets a final answer, so the command runs at most once.
 *
 *   200           the answer
 *   400, 409, 413 final: the command was refused and nothing ran
 *   410           final: the outcome is unknown; never resubmitted under a new session
 *   401, 403, 415 final: refused for the key or the request's form; nothing ran
 *   503           retried after its Retry-After
 *   504, no answer retried at once on the next replica
 *   anything else counted (`unexpected`) and retried, as the outcome cannot be known from it
 */

export interface SessionClientOptions {
  /** Replica URLs; the client starts on `firstReplica` and moves on when one does not answer. */
  replicaUrls: string[];
  firstReplica?: number;
  /**
   * Picks the replica index for each new command, as a load balancer in front of the replicas
   * would; without it the client stays on the replica that answered last.
   */
  pickReplica?: () => number;
  /** A command (or a registration) keeps retrying this long, then its outcome is unknown. */
  commandDeadlineMs: number;
  attemptTimeoutMs: number;
  /** Connections to share; the default allows 64 per replica (the benchmark needs more). */
  dispatcher?: Dispatcher;
  /** Sent as `Authorization: Bearer <key>` to replicas that require a client key. */
  clientKey?: string;
}

/** What one command came to. */
export type CommandAnswer =
  | { kind: 'ok'; status: 200; slot: number; result: OpResult }
  | { kind: 'refused'; status: number; code: string; error: string }
  | { kind: 'unknown'; status: number; code: string; error: string };

/** One HTTP exchange: status 0 when nothing came back (refused, reset, timed out). */
export interface Exchange {
  status: number;
  body: unknown;
  /** Retry-After in seconds, when the answer carried one. */
  retryAfterSeconds: number | null;
}

/** Statuses that end a command: the replica refused it and nothing ran. */
const REFUSED_STATUSES = new Set([400, 401, 403, 409, 413, 415]);
/** Statuses that refuse the client's key or its request's form, whatever the command. */
const KEY_REFUSED_STATUSES = new Set([401, 403, 415]);
/** Statuses the contract asks to retry with the same ids; 0 is "no answer". */
const RETRYABLE_STATUSES = new Set([0, 503, 504]);

/**
 * undici rather than node:http: the same HTTP/1.1 requests on keep-alive connections for
 * about a third of the client's CPU per request (0.07 against 0.18-0.20 ms, measured with 512
 * concurrent clients against a trivial server). On a two-core machine that also runs the
 * fleet, the load generator's CPU is taken from the system it measures.
 */
const sharedDispatcher = new Agent({ connections: 64 });

const monotonicMs = (): number => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SessionClient {
  private session: number | null = null;
  private lastRequestId = 0;
  private replicaIndex: number;
  private readonly headers: Record<string, string>;
  /** Every attempt's status (0: no answer), for callers that check the contract. */
  readonly statuses = new Map<number, number>();

  constructor(private readonly o: SessionClientOptions) {
    this.replicaIndex = o.firstReplica ?? 0;
    this.headers = {
      'content-type': 'application/json',
      ...(o.clientKey === undefined ? {} : { authorization: `Bearer ${o.clientKey}` }),
    };
  }

  get sessionId(): number | null {
    return this.session;
  }

  /** The next request number of this session (1, 2, 3, ...). */
  nextRequestId(): number {
    this.lastRequestId += 1;
    return this.lastRequestId;
  }

  /**
   * The session, registered first if there is none (or the last one was found gone); null
   * when no registration was answered before the deadline.
   */
  async ensureSession(): Promise<number | null> {
    if (this.session !== null) return this.session;
    const deadline = monotonicMs() + this.o.commandDeadlineMs;
    let backoffMs = 50;
    while (monotonicMs() < deadline) {
      const r = await this.post('/sessions', '{}');
      const sessionId = (r.body as { sessionId?: unknown } | null)?.sessionId;
      if (r.status === 200 && typeof sessionId === 'number') {
        this.session = sessionId;
        this.lastRequestId = 0;
        return sessionId;
      }
      // A key the replicas refuse stays refused: no retry mends it.
      if (KEY_REFUSED_STATUSES.has(r.status)) return null;
      // A registration that was decided but not answered leaves a session nobody uses; the
      // replicas evict it like any idle one.
      backoffMs = await this.pause(r, deadline, backoffMs);
    }
    return null;
  }

  /** Submits `op` as `requestId` of `sessionId`, retrying the same ids until a final answer. */
  async submit(sessionId: number, requestId: number, op: Op): Promise<CommandAnswer> {
    if (this.o.pickReplica) this.replicaIndex = this.o.pickReplica();
    return this.submitBody(JSON.stringify({ sessionId, requestId, op }), sessionId);
  }

  /**
   * Submits a command body as it is (hostile inputs too), retrying it unchanged until a final
   * answer. `sessionId` is the session it names, forgotten if the replicas say it is gone.
   */
  async submitBody(text: string, sessionId: number): Promise<CommandAnswer> {
    const deadline = monotonicMs() + this.o.commandDeadlineMs;
    let backoffMs = 50;
    let last: Exchange = { status: 0, body: null, retryAfterSeconds: null };
    while (monotonicMs() < deadline) {
      last = await this.post('/commands', text);
      const answer = finalAnswer(last);
      if (answer) {
        if (answer.kind === 'unknown' && answer.code === 'session-unknown') this.forget(sessionId);
        return answer;
      }
      backoffMs = await this.pause(last, deadline, backoffMs);
    }
    const { code, error } = errorOf(last);
    return {
      kind: 'unknown',
      status: last.status,
      code: 'deadline',
      error: `no final answer in ${this.o.commandDeadlineMs} ms (last: ${last.status} ${code} ${error})`,
    };
  }

  /** One attempt with any body, on the current replica (hostile inputs, raw checks). */
  async post(path: '/sessions' | '/commands', bodyText: string): Promise<Exchange> {
    const url = this.o.replicaUrls[this.replicaIndex % this.o.replicaUrls.length]!;
    const r = await postText(
      `${url}${path}`,
      bodyText,
      this.headers,
      this.o.attemptTimeoutMs,
      this.o.dispatcher ?? sharedDispatcher,
    );
    this.statuses.set(r.status, (this.statuses.get(r.status) ?? 0) + 1);
    return r;
  }

  /** A session found gone: the next command registers a new one (the lost one is not redone). */
  private forget(sessionId: number): void {
    if (this.session === sessionId) this.session = null;
  }

  /**
   * Waits before the next attempt and moves to the next replica (another one may be alive or
   * less busy): a 503's Retry-After, nothing after a 504 (the replica already waited), else a
   * doubling backoff so a dead fleet is not hammered. Returns the next backoff.
   */
  private async pause(r: Exchange, deadline: number, backoffMs: number): Promise<number> {
    this.replicaIndex += 1;
    const left = Math.max(0, deadline - monotonicMs());
    if (r.status === 504) return backoffMs;
    const waitMs =
      r.status === 503 && r.retryAfterSeconds !== null ? r.retryAfterSeconds * 1000 : backoffMs;
    await sleep(Math.min(left, waitMs));
    return Math.min(1_000, backoffMs * 2);
  }
}

/** The answer an exchange ends a command with, or null when the command must be retried. */
export function finalAnswer(r: Exchange): CommandAnswer | null {
  const body = r.body as { slot?: unknown; result?: unknown } | null;
  if (r.status === 200 && typeof body?.slot === 'number' && body.result) {
    return { kind: 'ok', status: 200, slot: body.slot, result: body.result as OpResult };
  }
  if (REFUSED_STATUSES.has(r.status)) return { kind: 'refused', status: r.status, ...errorOf(r) };
  if (r.status === 410) return { kind: 'unknown', status: 410, ...errorOf(r) };
  return null;
}

/** Whether a status is one the contract asks to retry (anything else is unexpected). */
export const isRetryableStatus = (status: number): boolean => RETRYABLE_STATUSES.has(status);

function errorOf(r: Exchange): { code: string; error: string } {
  const b = r.body as { code?: unknown; error?: unknown } | null;
  return {
    code: typeof b?.code === 'string' ? b.code : `http-${r.status}`,
    error: typeof b?.error === 'string' ? b.error : '',
  };
}

/** POSTs JSON text; any failure (refused, reset, timed out) is status 0, never an exception. */
async function postText(
  url: string,
  bodyText: string,
  headers: Record<string, string>,
  timeoutMs: number,
  dispatcher: Dispatcher,
): Promise<Exchange> {
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      headers,
      body: bodyText,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const retryAfter = Number(res.headers['retry-after']);
    return {
      status: res.statusCode,
      body: parseOrNull(await res.body.text()),
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
    };
  } catch {
    return { status: 0, body: null, retryAfterSeconds: null };
  }
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
