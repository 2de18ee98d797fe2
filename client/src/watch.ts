import type { AxiosInstance } from 'axios';
import type { Readable } from 'node:stream';
import { verdictOf } from './answers';
import { CompactedError, PaxosError, UnavailableError } from './errors';
import { authHeaders, parseOrNull, retryAfterMsOf, type Exchange } from './http';
import type { ResolvedOptions } from './options';
import { SseParser, type SseEvent } from './sse';
import { pause, type Transport } from './transport';
import type { Change } from './types';

export interface WatchOptions {
  /** Only keys starting with it (a prefix-limited API key must pass its prefix or a longer one). */
  prefix?: string;
  /** The first revision wanted (inclusive); absent: changes from now on. */
  from?: number;
  /** The first slot wanted: the same as from = fromSlot * 16384. */
  fromSlot?: number;
  /** Ends the iteration (quietly: the loop simply finishes). */
  signal?: AbortSignal;
  /**
   * A stream silent this long is taken as lost and opened again (default 60 s). Replicas send a
   * comment line every few seconds when there is no change, so only a dead connection that
   * nothing closed (a partition, a host gone without a reset) stays this quiet.
   */
  idleTimeoutMs?: number;
}

const IDLE_TIMEOUT_MS_DEFAULT = 60_000;

/** Positions in a slot's batch are below this: revision = slot * 16384 + position. */
export const REVISION_SLOT_FACTOR = 16_384;

interface WatchDeps {
  http: AxiosInstance;
  transport: Transport;
  o: ResolvedOptions;
}

/**
 * The change feed as one ordered stream that survives its replica: after a dropped
 * connection, an error answer worth retrying, or a replica that goes away, it connects again
 * (to the next replica when this one failed) from the revision after the last change it
 * yielded, and skips anything older, so each change comes out once and in order. A `lagged`
 * event (the watcher fell too far behind) resumes where the server says. It gives up with
 * UnavailableError after `retry.attemptsMax` connections in a row that delivered nothing,
 * with CompactedError when the feed no longer holds the revision to resume from, and with the
 * usual errors for a key without the rights.
 */
export async function* watchChanges(d: WatchDeps, w: WatchOptions): AsyncGenerator<Change> {
  let next: number | null =
    w.from ?? (w.fromSlot !== undefined ? w.fromSlot * REVISION_SLOT_FACTOR : null);
  let failures = 0;
  let backoffMs = d.o.backoffMsInitial;
  let last: string;
  const forever = { deadlineMs: Infinity, signal: w.signal };
  while (!w.signal?.aborted) {
    const opened = await open(d, w, next);
    if (w.signal?.aborted) return;
    let heard = false;
    let lagged = false;
    /** A 503's Retry-After, which replaces the backoff before the next connection. */
    let retryAfterMs: number | null = null;
    if (opened.kind === 'stream') {
      try {
        const idleMs = w.idleTimeoutMs ?? IDLE_TIMEOUT_MS_DEFAULT;
        for await (const event of events(opened.stream, idleMs)) {
          if (event.event === 'put' || event.event === 'delete') {
            const change = changeOf(event);
            heard = true;
            if (next !== null && change.revision < next) continue;
            next = change.revision + 1;
            yield change;
          } else if (event.event === 'lagged') {
            const resumeFrom = (parseOrNull(event.data) as { resumeFrom?: unknown } | null)
              ?.resumeFrom;
            if (typeof resumeFrom === 'number') next = Math.max(next ?? 0, resumeFrom);
            heard = true;
            lagged = true;
          } else if (event.id !== null && /^\d+$/.test(event.id) && next === null) {
            // A first event that only marks where "now" is: resume after it if cut before any change.
            next = Number(event.id) + 1;
            heard = true;
          }
        }
        last = 'the stream ended';
      } catch (err) {
        if (w.signal?.aborted) return;
        last = err instanceof Error ? err.message : String(err);
      } finally {
        opened.stream.destroy();
      }
      // A lagged watcher's replica is fine (the watcher was slow); any other end may be its own.
      if (!lagged) d.transport.moveOn();
    } else {
      const verdict = verdictOf(opened.ex, d.o.retryAfterMsMax);
      if (opened.ex.status === 410) throw compacted(opened.ex);
      if (verdict.kind === 'fail') throw verdict.error;
      if (verdict.kind === 'done')
        throw new PaxosError('GET /watch answered 200 without a stream', 'bad-answer', 200);
      last = verdict.why;
      if (verdict.moveOn) d.transport.moveOn();
      if (verdict.waitMs !== 'backoff') retryAfterMs = verdict.waitMs;
    }
    failures = heard ? 0 : failures + 1;
    if (heard) backoffMs = d.o.backoffMsInitial;
    if (failures >= d.o.attemptsMax) {
      throw new UnavailableError(
        `watch: ${failures} connections in a row delivered nothing (last: ${last})`,
        'unavailable',
        0,
      );
    }
    if (retryAfterMs !== null) await pause(retryAfterMs, forever);
    else if (!heard) {
      await pause(backoffMs, forever);
      backoffMs = Math.min(d.o.backoffMsMax, backoffMs * 2);
    }
  }
}

type Opened = { kind: 'stream'; stream: Readable } | { kind: 'answer'; ex: Exchange };

/** Connects; the answer's headers must come within attemptTimeoutMs, the stream may then idle. */
async function open(d: WatchDeps, w: WatchOptions, from: number | null): Promise<Opened> {
  const query = new URLSearchParams();
  if (w.prefix !== undefined) query.set('prefix', w.prefix);
  if (from !== null) query.set('from', String(from));
  const url = `${d.transport.endpoint}/watch${query.size > 0 ? `?${query}` : ''}`;
  const connect = new AbortController();
  const timer = setTimeout(() => connect.abort(), d.o.attemptTimeoutMs);
  const signal = w.signal ? AbortSignal.any([w.signal, connect.signal]) : connect.signal;
  try {
    const res = await d.http.get<Readable>(url, {
      signal,
      responseType: 'stream',
      headers: { accept: 'text/event-stream', ...authHeaders(d.o.apiKey) },
    });
    const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (res.status === 200 && isStream) return { kind: 'stream', stream: res.data };
    const text = await readAll(res.data);
    return {
      kind: 'answer',
      ex: {
        status: res.status === 200 ? 502 : res.status,
        body: parseOrNull(text),
        retryAfterMs: retryAfterMsOf(res.headers['retry-after']),
        failure: null,
      },
    };
  } catch (err) {
    const failure = connect.signal.aborted
      ? `no answer within ${d.o.attemptTimeoutMs} ms`
      : err instanceof Error
        ? err.message
        : String(err);
    return { kind: 'answer', ex: { status: 0, body: null, retryAfterMs: null, failure } };
  } finally {
    clearTimeout(timer);
  }
}

async function* events(stream: Readable, idleMs: number): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const idle = () => stream.destroy(new Error(`the stream was silent for ${idleMs} ms`));
  let timer = setTimeout(idle, idleMs);
  try {
    for await (const chunk of stream) {
      clearTimeout(timer);
      timer = setTimeout(idle, idleMs);
      for (const event of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) {
        yield event;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes > 65_536) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).toString('utf8');
}

function changeOf(event: SseEvent): Change {
  const d = parseOrNull(event.data) as Partial<Record<keyof Change, unknown>> | null;
  const ok =
    d !== null &&
    typeof d.revision === 'number' &&
    typeof d.slot === 'number' &&
    typeof d.position === 'number' &&
    typeof d.key === 'string' &&
    (typeof d.value === 'string' || d.value === null);
  if (!ok)
    throw new Error(
      `a ${event.event} event whose data is not a change: ${event.data.slice(0, 200)}`,
    );
  return {
    revision: d.revision as number,
    slot: d.slot as number,
    position: d.position as number,
    type: event.event as 'put' | 'delete',
    key: d.key as string,
    value: (d.value as string | null) ?? null,
  };
}

function compacted(ex: Exchange): CompactedError {
  const b = ex.body as { oldestRevision?: unknown; error?: unknown } | null;
  const oldest = typeof b?.oldestRevision === 'number' ? b.oldestRevision : 0;
  const said = typeof b?.error === 'string' ? `: ${b.error}` : '';
  return new CompactedError(
    `watch: the revision asked for is no longer kept; the oldest is ${oldest}${said}`,
    oldest,
  );
}
