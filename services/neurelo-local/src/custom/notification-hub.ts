import type { Database } from '../db/database';

export type WaitOutcome = 'notified' | 'timeout' | 'cancelled';

/**
 * Fans NOTIFY out to long-polling requests. One LISTEN per channel for the whole server (not
 * one database connection per waiter); each waiter is an entry in a map and one timer, so any
 * number of idle waiters cost no queries and no CPU until a notification or their deadline.
 */
export class NotificationHub {
  private readonly listening = new Map<string, Promise<void>>();
  private readonly interested = new Map<string, Set<Subscription>>();
  /** Notifications delivered per topic since the server started (one entry per destination). */
  private readonly delivered = new Map<string, number>();
  private closed = false;
  private waiting = 0;

  constructor(private readonly db: Pick<Database, 'listen' | 'listenerGeneration'>) {}

  /**
   * Registers interest in notifications of `channel` whose payload is `key`. Subscribe BEFORE
   * running the query whose emptiness you will wait on: a message that lands between the
   * query and the wait then still wakes the waiter.
   */
  async subscribe(channel: string, key: string): Promise<Subscription> {
    await this.ensureListening(channel);
    const topic = topicOf(channel, key);
    const subscription = new Subscription(
      () => this.interested.get(topic)?.delete(subscription),
      (delta) => (this.waiting += delta),
      `${this.db.listenerGeneration ?? 0}:${this.delivered.get(topic) ?? 0}`,
    );
    if (this.closed) {
      subscription.cancel();
      return subscription;
    }
    let set = this.interested.get(topic);
    if (!set) {
      set = new Set();
      this.interested.set(topic, set);
    }
    set.add(subscription);
    return subscription;
  }

  /** How many requests are asleep waiting for a notification right now (tests, metrics). */
  get waitingCount(): number {
    return this.waiting;
  }

  /** Server shutdown: every wait ends now, and later ones end at once. */
  close(): void {
    this.closed = true;
    for (const set of this.interested.values()) for (const s of set) s.cancel();
  }

  private ensureListening(channel: string): Promise<void> {
    let ready = this.listening.get(channel);
    if (!ready) {
      ready = this.db
        .listen(channel, (payload) => this.dispatch(channel, payload))
        .then(() => undefined);
      this.listening.set(channel, ready);
      // A failed LISTEN (database down) is retried by the next request.
      ready.catch(() => this.listening.delete(channel));
    }
    return ready;
  }

  private dispatch(channel: string, payload: string): void {
    const topic = topicOf(channel, payload);
    this.delivered.set(topic, (this.delivered.get(topic) ?? 0) + 1);
    const set = this.interested.get(topic);
    if (!set) return;
    for (const s of set) s.notify();
  }
}

/** One request's interest; it remembers a notification that came before `wait` was called. */
export class Subscription {
  private outcome: WaitOutcome | null = null;
  private settle: ((outcome: WaitOutcome) => void) | null = null;

  /**
   * @param heardBefore what had been heard of this topic when the subscription began (the
   *   listening connection's generation and the topic's notification count): while it stays
   *   the same, no row was announced since, and a query run after subscribing has seen every
   *   row announced before.
   */
  constructor(
    private readonly remove: () => void,
    private readonly countWaiting: (delta: 1 | -1) => void,
    readonly heardBefore = '',
  ) {}

  notify(): void {
    this.finish('notified');
  }

  cancel(): void {
    this.finish('cancelled');
  }

  /** Resolves on the first notification, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.outcome) return Promise.resolve(this.outcome);
    if (signal?.aborted) return Promise.resolve('cancelled');
    return new Promise<WaitOutcome>((resolve) => {
      this.countWaiting(1);
      const timer = setTimeout(() => this.finish('timeout'), timeoutMs);
      const onAbort = (): void => this.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.settle = (outcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.countWaiting(-1);
        resolve(outcome);
      };
    });
  }

  /** Stops listening; call it when the request is done with the subscription. */
  close(): void {
    this.remove();
  }

  private finish(outcome: WaitOutcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    const settle = this.settle;
    this.settle = null;
    settle?.(outcome);
  }
}

export const topicOf = (channel: string, key: string): string => `${channel}\u0000${key}`;
