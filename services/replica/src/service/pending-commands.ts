import { commandKey, type Command, type Response } from '@paxos/shared';

export type CommandOutcome = { kind: 'answered'; response: Response } | { kind: 'timeout' };

interface Waiter {
  deadline: number;
  resolve: (o: CommandOutcome) => void;
}

/** How often waiters past their deadline are answered `timeout` (they may wait this much longer). */
const SWEEP_EVERY_MS = 200;

/**
 * HTTP requests waiting for their command to be performed, keyed by (clientId, requestId).
 * Several waiters may wait for one key (a client that retried on another connection).
 * One sweep timer, running only while someone waits, times them all out: a timer per
 * command costs more than the command under load.
 */
export class PendingCommands {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.waiters.size;
  }

  wait(
    command: Pick<Command, 'clientId' | 'requestId'>,
    timeoutMs: number,
  ): Promise<CommandOutcome> {
    const key = commandKey(command);
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      set.add({ deadline: this.now() + timeoutMs, resolve });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    });
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

  /** Answers `timeout` to every waiter past its deadline. */
  sweep(): void {
    const now = this.now();
    for (const [key, set] of this.waiters) {
      for (const w of set) {
        if (w.deadline > now) continue;
        set.delete(w);
        w.resolve({ kind: 'timeout' });
      }
      if (set.size === 0) this.waiters.delete(key);
    }
    this.stopSweepingIfIdle();
  }

  private stopSweepingIfIdle(): void {
    if (this.waiters.size > 0 || !this.sweeper) return;
    clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
