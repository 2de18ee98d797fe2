import { firstRevisionOf, revisionOf, slotOfRevision } from '@paxos/shared';
import type { ServerResponse } from 'node:http';
import type { WatchHistory } from '../role/watch-history';

/**
 * The watchers of one replica, fed from its change history (role/watch-history.ts) after the
 * fact: the role tells the hub, in an `applied` message delivered after the step's commit,
 * which slots are applied and durable; the hub publishes them on a later turn of the event
 * loop (setImmediate), so neither the step nor its commit waits for any watcher.
 *
 * A watcher is a cursor into the history, not a queue: it holds the next revision it wants,
 * and its pending events are the history's. Writing stops when its socket's buffer is full and
 * resumes on 'drain', so a slow watcher costs the replica nothing but its cursor. Its lag is
 * counted exactly: the events published since it connected that match it and have not been
 * written; past `lagEventsMax` it is told `lagged` with where to resume, and closed. Events of
 * the history older than its connection (a resume from far back) are a catch-up, not lag.
 */

export interface WatchHubOptions {
  history: () => WatchHistory | undefined;
  lagEventsMax: number;
  watchersMax: number;
  heartbeatMs: number;
  /** Counts for metrics (optional). */
  onEvents?: (count: number) => void;
  onLagged?: () => void;
}

interface Watcher {
  res: ServerResponse;
  prefix: string;
  /** The next revision this watcher wants. */
  next: number;
  /** Revisions from here on were published after it connected: they count as lag. */
  liveFrom: number;
  /** Live events that match it and are not written yet. */
  lag: number;
  /** Its socket's buffer is full: nothing is written until 'drain'. */
  blocked: boolean;
  closed: boolean;
}

/** A write is handed to the socket once this many bytes of events are gathered. */
const WRITE_CHUNK_BYTES = 64 * 1024;

export type AddResult =
  | { ok: true }
  | { ok: false; status: 503; code: 'not-ready' | 'overloaded'; error: string }
  | { ok: false; status: 410; code: 'revision-compacted'; oldestRevision: number; error: string };

export class WatchHub {
  /** Every slot below it is applied and committed (0: nothing known yet). */
  private committedSlotOut = 0;
  private publishedSlotOut = 0;
  private readonly watchers = new Set<Watcher>();
  private publishScheduled = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly o: WatchHubOptions) {
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.watchers.size;
  }

  /** The oldest revision a feed can start from, or null before the first commit is known. */
  oldestRevision(): number | null {
    const history = this.o.history();
    if (history === undefined || this.committedSlotOut === 0) return null;
    return history.fromSlot <= 1 ? 0 : firstRevisionOf(history.fromSlot);
  }

  /** From the role, after a commit: the slots below `slotOut` may be published. */
  onApplied(slotOut: number): void {
    if (slotOut <= this.committedSlotOut) return;
    this.committedSlotOut = slotOut;
    if (this.publishedSlotOut === 0) this.publishedSlotOut = slotOut;
    if (this.publishScheduled || this.watchers.size === 0) {
      if (this.watchers.size === 0) this.publishedSlotOut = slotOut;
      return;
    }
    this.publishScheduled = true;
    setImmediate(() => this.publish());
  }

  /**
   * Starts a feed on `res` (headers not yet written): from `from`, or from now on when null.
   * Answers why not when it cannot start.
   */
  add(res: ServerResponse, prefix: string, from: number | null): AddResult {
    const oldest = this.oldestRevision();
    if (oldest === null) {
      return { ok: false, status: 503, code: 'not-ready', error: 'the replica is recovering' };
    }
    if (this.watchers.size >= this.o.watchersMax) {
      return {
        ok: false,
        status: 503,
        code: 'overloaded',
        error: `this replica serves ${this.o.watchersMax} watchers already`,
      };
    }
    if (from !== null && from < oldest) {
      return {
        ok: false,
        status: 410,
        code: 'revision-compacted',
        oldestRevision: oldest,
        error: `revision ${from} is no longer kept here; the oldest is ${oldest}`,
      };
    }
    const liveFrom = firstRevisionOf(this.publishedSlotOut);
    const w: Watcher = {
      res,
      prefix,
      next: from ?? liveFrom,
      liveFrom,
      lag: 0,
      blocked: false,
      closed: false,
    };
    this.watchers.add(w);
    res.on('close', () => this.remove(w));
    res.on('drain', () => {
      w.blocked = false;
      this.pump(w);
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // A comment at once: the client knows the feed is open (and proxies flush their headers).
    res.write(`: watching from ${w.next}\n\n`);
    this.pump(w);
    return { ok: true };
  }

  /** Ends every feed (the service stops). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  private remove(w: Watcher): void {
    w.closed = true;
    this.watchers.delete(w);
  }

  private publish(): void {
    this.publishScheduled = false;
    const history = this.o.history();
    const from = this.publishedSlotOut;
    const to = this.committedSlotOut;
    this.publishedSlotOut = to;
    if (history === undefined) return;
    for (const w of this.watchers) {
      if (!w.blocked) {
        this.pump(w);
        continue;
      }
      // It takes nothing now: all of the new range that matches it is lag.
      w.lag += countMatching(history, w, Math.max(w.next, firstRevisionOf(from)), to);
      if (w.lag > this.o.lagEventsMax) this.lagged(w);
    }
  }

  /** Writes what `w` can take, from its cursor up to what is published. */
  private pump(w: Watcher): void {
    if (w.closed || w.blocked) return;
    const history = this.o.history();
    if (history === undefined) return;
    const oldest = history.fromSlot <= 1 ? 0 : firstRevisionOf(history.fromSlot);
    if (w.next < oldest) {
      // Retention (or an installed snapshot) dropped what it had not read yet.
      this.lagged(w);
      return;
    }
    const end = this.publishedSlotOut;
    let chunk = '';
    let written = 0;
    for (let slot = Math.max(slotOfRevision(w.next), 1); slot < end; slot++) {
      const entry = history.slots.get(slot);
      if (entry === undefined) continue;
      for (const c of entry.changes) {
        const revision = revisionOf(slot, c.position);
        if (revision < w.next || !c.key.startsWith(w.prefix)) continue;
        chunk += eventFrame(revision, slot, c.position, c.key, c.value);
        written += 1;
        if (chunk.length >= WRITE_CHUNK_BYTES) {
          w.next = revision + 1;
          this.o.onEvents?.(written);
          const more = w.res.write(chunk);
          chunk = '';
          written = 0;
          if (!more) return this.block(w, history, end);
        }
      }
    }
    w.next = Math.max(w.next, firstRevisionOf(end));
    w.lag = 0;
    if (chunk.length === 0) return;
    this.o.onEvents?.(written);
    if (!w.res.write(chunk)) this.block(w, history, end);
  }

  /**
   * Its socket is full: it waits for 'drain'. Its lag is what it has not been written of the
   * events published since it connected, counted once here, then grown by each publish.
   */
  private block(w: Watcher, history: WatchHistory, end: number): void {
    w.blocked = true;
    w.lag = countMatching(history, w, Math.max(w.next, w.liveFrom), end);
    if (w.lag > this.o.lagEventsMax) this.lagged(w);
  }

  private lagged(w: Watcher): void {
    this.o.onLagged?.();
    w.res.end(`event: lagged\ndata: ${JSON.stringify({ resumeFrom: w.next })}\n\n`);
    this.remove(w);
  }

  /** A comment line now and then: proxies and clients see the feed is alive. */
  private beat(): void {
    for (const w of this.watchers) if (!w.blocked) w.res.write(': heartbeat\n\n');
  }
}

/** Events matching `w` in revisions [fromRevision, first revision of slot `toSlot`). */
function countMatching(
  history: WatchHistory,
  w: Watcher,
  fromRevision: number,
  toSlot: number,
): number {
  let count = 0;
  for (let slot = slotOfRevision(fromRevision); slot < toSlot; slot++) {
    const entry = history.slots.get(slot);
    if (entry === undefined) continue;
    for (const c of entry.changes) {
      if (revisionOf(slot, c.position) >= fromRevision && c.key.startsWith(w.prefix)) count += 1;
    }
  }
  return count;
}

/** One SSE event: `id`, `event: put | delete`, and the change as JSON data. */
export function eventFrame(
  revision: number,
  slot: number,
  position: number,
  key: string,
  value: string | null,
): string {
  const data = JSON.stringify({ revision, slot, position, key, value });
  return `id: ${revision}\nevent: ${value === null ? 'delete' : 'put'}\ndata: ${data}\n\n`;
}
