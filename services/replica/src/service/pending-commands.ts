import { LIMITS, commandKey, type Response } from '@paxos/shared';

export type CommandOutcome =
  | { kind: 'answered'; response: Response }
  | { kind: 'timeout' }
  /** The replica left every configuration it knows: nothing it holds will be proposed. */
  | { kind: 'turned-away' }
  /** The client went away first (its connection closed). */
  | { kind: 'abandoned' };

export interface CommandId {
  sessionId: number;
  requestId: number;
}

export interface PendingBounds {
  /** HTTP requests held at once (LIMITS.pendingCommandsMax by default). */
  commandsMax: number;
  /** Their request bodies' bytes together (LIMITS.pendingCommandBytesMax by default). */
  bytesMax: number;
}

export const DEFAULT_PENDING_BOUNDS: PendingBounds = Object.freeze({
  commandsMax: LIMITS.pendingCommandsMax,
  bytesMax: LIMITS.pendingCommandBytesMax,
});

interface Waiter {
  key: string;
  id: CommandId;
  deadline: number;
  resolve: (o: CommandOutcome) => void;
}

/** How often waiters past their deadline are answered `timeout` (they may wait this much longer). */
const SWEEP_EVERY_MS = 200;

/**
 * HTTP requests held by the replica until their command is performed: the replica's memory
 * for clients, bounded in count and in body bytes (backpressure: past either bound a request
 * is refused at once, 503, before its body is read). Room is reserved when a request arrives,
 * for the body it declares (or the largest allowed, if it does not say), and handed back when
 * its answer is written, so the bodies held never exceed `bytesMax`.
 *
 * Several waiters may wait for one command (a client that retried on another connection).
 * One sweep timer, running only while someone waits, times them all out on the monotonic
 * clock: a timer per command costs more than the command under load. A command that loses its
 * last waiter without an answer (timeout, or the client went away) is reported to `onOrphaned`,
 * so the role can drop it if it is not proposed yet.
 */
export class PendingCommands {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private sweeper: NodeJS.Timeout | null = null;
  private heldCount = 0;
  private heldBytesTotal = 0;

  constructor(
    readonly bounds: PendingBounds = DEFAULT_PENDING_BOUNDS,
    private readonly onOrphaned: (id: CommandId) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Commands with at least one waiter. */
  get size(): number {
    return this.waiters.size;
  }

  /** HTTP requests holding room, and the body bytes they hold. */
  get held(): number {
    return this.heldCount;
  }

  get heldBytes(): number {
    return this.heldBytesTotal;
  }

  /** Room for one request of `bytes`; null when it would take either bound past its limit. */
  reserve(bytes: number): Reservation | null {
    if (this.heldCount + 1 > this.bounds.commandsMax) return null;
    if (this.heldBytesTotal + bytes > this.bounds.bytesMax) return null;
    this.heldCount += 1;
    this.heldBytesTotal += bytes;
    return new Reservation(this, bytes);
  }

  /** @internal Reservation's bookkeeping. */
  returnRoom(count: number, bytes: number): void {
    this.heldCount -= count;
    this.heldBytesTotal -= bytes;
  }

  /** @internal Registers a waiter for `id`; Reservation.wait is the way in. */
  addWaiter(
    id: CommandId,
    timeoutMs: number,
  ): { waiter: Waiter; outcome: Promise<CommandOutcome> } {
    const key = commandKey(id);
    let waiter!: Waiter;
    const outcome = new Promise<CommandOutcome>((resolve) => {
      // Only the ids: a waiter must not keep the command (its value) alive.
      const ids = { sessionId: id.sessionId, requestId: id.requestId };
      waiter = { key, id: ids, deadline: this.now() + timeoutMs, resolve };
    });
    let set = this.waiters.get(key);
    if (!set) {
      set = new Set();
      this.waiters.set(key, set);
    }
    set.add(waiter);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
      this.sweeper.unref();
    }
    return { waiter, outcome };
  }

  /** @internal Drops one waiter (its client went away). */
  dropWaiter(waiter: Waiter): void {
    const set = this.waiters.get(waiter.key);
    if (!set?.delete(waiter)) return;
    waiter.resolve({ kind: 'abandoned' });
    if (set.size === 0) {
      this.waiters.delete(waiter.key);
      this.onOrphaned(waiter.id);
    }
    this.stopSweepingIfIdle();
  }

  /** Answers every waiter of the response's command; a response nobody waits for is dropped. */
  answer(response: Response): void {
    const key = commandKey(response);
    const set = this.waiters.get(key);
    if (!set) return;
    this.waiters.delete(key);
    for (const w of set) w.resolve({ kind: 'answered', response });
    this.stopSweepingIfIdle();
  }

  /**
   * The replica left the configuration (or never joined it): it proposes nothing, so every
   * waiter is told at once to go elsewhere instead of waiting for its timeout, and every command
   * is withdrawn.
   */
  turnAwayAll(): void {
    const orphans = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of orphans) {
      let id: CommandId | null = null;
      for (const w of set) {
        w.resolve({ kind: 'turned-away' });
        id = w.id;
      }
      if (id) this.onOrphaned(id);
    }
    this.stopSweepingIfIdle();
  }

  /** Answers `timeout` to every waiter past its deadline. */
  sweep(): void {
    const now = this.now();
    for (const [key, set] of this.waiters) {
      let orphan: CommandId | null = null;
      for (const w of set) {
        if (w.deadline > now) continue;
        set.delete(w);
        w.resolve({ kind: 'timeout' });
        orphan = w.id;
      }
      if (set.size === 0) {
        this.waiters.delete(key);
        if (orphan) this.onOrphaned(orphan);
      }
    }
    this.stopSweepingIfIdle();
  }

  private stopSweepingIfIdle(): void {
    if (this.waiters.size > 0 || !this.sweeper) return;
    clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

/**
 * One HTTP request's room in PendingCommands, from its arrival until its answer is written.
 * `release` must be called once the request is done, whatever happened (it is idempotent).
 */
export class Reservation {
  private waiter: Waiter | null = null;
  private released = false;

  constructor(
    private readonly pending: PendingCommands,
    private bytes: number,
  ) {}

  /** The body turned out smaller than reserved (it did not declare its length): give back the rest. */
  shrinkTo(bytes: number): void {
    if (this.released || bytes >= this.bytes) return;
    this.pending.returnRoom(0, this.bytes - bytes);
    this.bytes = bytes;
  }

  wait(id: CommandId, timeoutMs: number): Promise<CommandOutcome> {
    if (this.waiter) throw new Error('a reservation waits for one command');
    const { waiter, outcome } = this.pending.addWaiter(id, timeoutMs);
    this.waiter = waiter;
    return outcome;
  }

  /** The client went away: its waiter goes (the command may be withdrawn, see onOrphaned). */
  abandon(): void {
    if (this.waiter) this.pending.dropWaiter(this.waiter);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.pending.returnRoom(1, this.bytes);
  }
}
