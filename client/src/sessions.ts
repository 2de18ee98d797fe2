import { AbortedError, PaxosError, TimeoutError } from './errors';
import { nowMs, type Call, type Transport } from './transport';

/** A ticket to send one command: its session and request id; `release` it when done. */
export interface Ticket {
  sessionId: number;
  requestId: number;
  release: () => void;
}

/** A registered session and the request ids it has in flight. */
interface Session {
  id: number;
  nextRequestId: number;
  inFlight: Set<number>;
}

/**
 * The client's one session (Raft dissertation 6.3, as the replicas keep it): registered on
 * the first call, numbered 1, 2, 3, ... and replaced only when a replica says it is gone.
 *
 * Calls may overlap, but a replica keeps the answers of a session's 16 highest request ids
 * and refuses an id below all of them as too old. So a new id n is handed out only while
 * n - (the lowest id in flight) < inFlightMax: however the ids in flight are decided, none of
 * them can fall below the kept 16 while it waits. Calls past that wait here, in order. One
 * session rather than a pool: it costs one registration per client, and each registration
 * may evict another client's idle session when the replicas' table is full.
 */
export class SessionWindow {
  private session: Session | null = null;
  private registering: Promise<Session> | null = null;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly transport: Transport,
    private readonly inFlightMax: number,
  ) {}

  /** The current session id, or null before the first call. */
  get sessionId(): number | null {
    return this.session?.id ?? null;
  }

  /** A ticket, once the session is registered and the window has room. */
  async take(call: Call): Promise<Ticket> {
    for (;;) {
      const session = await untilAborted(this.current(call), call);
      if (this.session !== session) continue;
      if (this.hasRoom(session)) return this.issue(session);
      await this.waitTurn(call);
    }
  }

  /** A replica said the session is unknown: the next call registers a new one. */
  forget(sessionId: number): void {
    if (this.session?.id === sessionId) this.session = null;
    this.wakeAll();
  }

  private hasRoom(s: Session): boolean {
    if (s.inFlight.size === 0) return true;
    let lowest = Infinity;
    for (const id of s.inFlight) lowest = Math.min(lowest, id);
    return s.nextRequestId - lowest < this.inFlightMax;
  }

  private issue(s: Session): Ticket {
    const requestId = s.nextRequestId;
    s.nextRequestId += 1;
    s.inFlight.add(requestId);
    let released = false;
    return {
      sessionId: s.id,
      requestId,
      release: () => {
        if (released) return;
        released = true;
        s.inFlight.delete(requestId);
        this.wakeAll();
      },
    };
  }

  private current(call: Call): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    if (!this.registering) {
      // One registration serves every call waiting for it. It runs on the time budget of the
      // call that started it but not its signal: one caller's abort is not the others'.
      const registering = this.register({
        what: 'register a session',
        isWrite: false,
        deadlineMs: call.deadlineMs,
        signal: undefined,
      });
      this.registering = registering;
      const clear = () => {
        if (this.registering === registering) this.registering = null;
      };
      registering.then(clear, clear);
    }
    return this.registering;
  }

  private async register(call: Call): Promise<Session> {
    const ex = await this.transport.post('/sessions', '{}', call);
    const id = (ex.body as { sessionId?: unknown } | null)?.sessionId;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
      throw new PaxosError('POST /sessions answered 200 without a sessionId', 'bad-answer', 200);
    }
    this.session = { id, nextRequestId: 1, inFlight: new Set() };
    return this.session;
  }

  private waitTurn(call: Call): Promise<void> {
    return new Promise((resolve, reject) => {
      const leftMs = call.deadlineMs - nowMs();
      const onAbort = () =>
        finish(
          new AbortedError(
            `${call.what} aborted while waiting its turn; it was not sent`,
            'aborted',
            0,
          ),
        );
      const timer = setTimeout(
        () =>
          finish(
            new TimeoutError(
              `${call.what} timed out waiting its turn; it was not sent`,
              'timeout',
              0,
            ),
          ),
        Math.max(0, leftMs),
      );
      const wake = () => finish(null);
      const finish = (error: PaxosError | null) => {
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        if (error) reject(error);
        else resolve();
      };
      if (call.signal?.aborted) return onAbort();
      call.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }

  /** Every waiting call looks again, in the order they came (the first takes the room). */
  private wakeAll(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** `p`, or AbortedError as soon as the call's signal fires (p goes on for other callers). */
function untilAborted<T>(p: Promise<T>, call: Call): Promise<T> {
  const signal = call.signal;
  if (!signal) return p;
  const aborted = () => new AbortedError(`${call.what} aborted before it was sent`, 'aborted', 0);
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
