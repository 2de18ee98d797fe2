/** How long "that destination was drained" may be believed without asking the database again. */
export const DRAIN_HINT_LIFETIME_MS = 1_000;

/** How many hints may pile up before the stale ones are swept out. */
const PRUNE_AT_HINTS = 1_024;

interface DrainHint {
  /** What had been heard of the topic when the query that drained it began (Subscription). */
  heard: string;
  at: number;
}

/**
 * "Nothing more was there": remembered when a long-polled query answered fewer rows than it was
 * allowed to (a claim of up to 64 messages that got 3). A consumer asks again at once, and that
 * request's first query would find nothing: with the hint it goes straight to waiting for a
 * notification, which saves a database round trip per claim.
 *
 * Why it is safe: every row that became visible after the draining query began was announced
 * by a NOTIFY that arrives after it began, so while nothing new was heard of the topic (the
 * same notification count on the same listening connection) no such row exists yet, and its
 * notification, when it comes, wakes the waiter. The exceptions are rows that come back
 * without a notification (a lease running out, a claim rolled back) and a listening connection
 * lost but not yet noticed; against those a hint is used once and only within
 * DRAIN_HINT_LIFETIME_MS, so they cost at most one wait, as they already did for a request
 * that was waiting when they happened.
 */
export class DrainHints {
  private readonly hints = new Map<string, DrainHint>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs = DRAIN_HINT_LIFETIME_MS,
  ) {}

  /** The query for `topic`, begun when what had been heard of it was `heard`, drained it. */
  note(topic: string, heard: string): void {
    const at = this.now();
    // Hints are kept per call (long-poll.ts), so a consumer that went away leaves one behind:
    // forget the stale ones now and then, which keeps the map as small as the live consumers.
    if (this.hints.size >= PRUNE_AT_HINTS) {
      for (const [key, hint] of this.hints) {
        if (at - hint.at > this.lifetimeMs) this.hints.delete(key);
      }
    }
    this.hints.set(topic, { heard, at });
  }

  /**
   * True when `topic` is known to be drained: a fresh hint, and nothing heard of the topic
   * since (`heardNow` is what it was). The hint is used up either way.
   */
  take(topic: string, heardNow: string): boolean {
    const hint = this.hints.get(topic);
    if (!hint) return false;
    this.hints.delete(topic);
    return hint.heard === heardNow && this.now() - hint.at <= this.lifetimeMs;
  }
}
