import { InvalidRequestError, OutcomeUnknownError, PaxosError } from './errors';
import { makeHttp } from './http';
import { resolveOptions, type PaxosClientOptions, type ResolvedOptions } from './options';
import { SessionWindow } from './sessions';
import { Transport, nowMs, type Call } from './transport';
import type {
  CallOptions,
  ReadOptions,
  CasResult,
  Change,
  CommandAnswer,
  GetResult,
  ListOp,
  ListResult,
  Op,
  WriteResult,
} from './types';
import { watchChanges, type WatchOptions } from './watch';

/** Which keys a list reads: those starting with `prefix`, or those in [start, end). */
export type ListRange = { prefix: string } | { start?: string; end?: string };

/**
 * A client of a durable-paxos fleet's key-value API. Every operation goes through the
 * replicated log (reads too, so they are linearizable) under the client's session, with a
 * request id of its own; a retry resends the same id, so a write runs at most once. See
 * docs/client.md for what is retried, what each error means and how calls may overlap.
 */
export class PaxosClient {
  private readonly o: ResolvedOptions;
  private readonly transport: Transport;
  private readonly sessions: SessionWindow;
  private readonly http: ReturnType<typeof makeHttp>;

  constructor(options: PaxosClientOptions) {
    this.o = resolveOptions(options);
    this.http = makeHttp();
    this.transport = new Transport(this.o, this.http.http);
    this.sessions = new SessionWindow(this.transport, this.o.inFlightMax);
  }

  /** The session this client numbers its commands in (null before its first call). */
  get sessionId(): number | null {
    return this.sessions.sessionId;
  }

  async get(key: string, opts: ReadOptions = {}): Promise<GetResult> {
    const a = await this.command({ kind: 'get', key }, opts);
    return { value: a.result.value, slot: a.slot };
  }

  /** Writes `value`; returns the value before. */
  async put(key: string, value: string, opts: CallOptions = {}): Promise<WriteResult> {
    const a = await this.command({ kind: 'put', key, value }, opts);
    return { previous: a.result.value, slot: a.slot };
  }

  /** Removes the key; returns the value before (null: it was absent). */
  async delete(key: string, opts: CallOptions = {}): Promise<WriteResult> {
    const a = await this.command({ kind: 'delete', key }, opts);
    return { previous: a.result.value, slot: a.slot };
  }

  /** Writes `value` only if the key's value is `expected` (null: only if absent). */
  async cas(
    key: string,
    expected: string | null,
    value: string,
    opts: CallOptions = {},
  ): Promise<CasResult> {
    const a = await this.command({ kind: 'cas', key, expected, value }, opts);
    return { ok: a.result.ok, value: a.result.value, slot: a.slot };
  }

  /** Keys in order, with their values: a prefix or a [start, end) range, at most `limit`. */
  async list(range: ListRange, opts: ReadOptions & { limit?: number } = {}): Promise<ListResult> {
    const op: ListOp = { kind: 'list', ...range };
    if (opts.limit !== undefined) op.limit = opts.limit;
    const a = await this.command(op, opts);
    return { entries: a.result.entries ?? [], more: a.result.more ?? false, slot: a.slot };
  }

  /** The changes to keys under `prefix`, in revision order, each once (watch.ts). */
  watch(w: WatchOptions = {}): AsyncIterable<Change> {
    return watchChanges({ http: this.http.http, transport: this.transport, o: this.o }, w);
  }

  /** Any operation, answered as the replica sent it. */
  async command(op: Op, opts: ReadOptions = {}): Promise<CommandAnswer> {
    const call: Call = {
      what: describe(op),
      isWrite: op.kind !== 'get' && op.kind !== 'list',
      deadlineMs: nowMs() + (opts.timeoutMs ?? this.o.timeoutMs),
      signal: opts.signal,
    };
    const ticket = await this.sessions.take(call);
    try {
      const { sessionId, requestId } = ticket;
      const consistency = call.isWrite ? undefined : opts.consistency;
      const body = JSON.stringify({
        sessionId,
        requestId,
        op,
        ...(consistency && { consistency }),
      });
      const ex = await this.transport.post('/commands', body, call);
      const answer = ex.body as CommandAnswer | null;
      if (typeof answer?.slot !== 'number' || typeof answer.result !== 'object') {
        throw new PaxosError(`${call.what}: a 200 answer without a result`, 'bad-answer', 200);
      }
      return answer;
    } catch (err) {
      if (err instanceof OutcomeUnknownError && err.code === 'session-unknown') {
        this.sessions.forget(ticket.sessionId);
      }
      if (err instanceof InvalidRequestError && err.code === 'request-id-conflict') {
        // Only a client that reused an id gets this; ours never does, so say it loudly.
        throw new PaxosError(
          `${err.message} (a bug: this client reused a request id)`,
          err.code,
          err.status,
        );
      }
      throw err;
    } finally {
      ticket.release();
    }
  }

  /** Closes the kept-alive connections (a process then exits without waiting for them). */
  close(): void {
    this.http.close();
  }
}

function describe(op: Op): string {
  if (op.kind === 'list') {
    return op.prefix !== undefined
      ? `list prefix ${JSON.stringify(op.prefix)}`
      : `list [${JSON.stringify(op.start ?? '')}, ${op.end === undefined ? 'end' : JSON.stringify(op.end)})`;
  }
  return `${op.kind} ${JSON.stringify(op.key)}`;
}
