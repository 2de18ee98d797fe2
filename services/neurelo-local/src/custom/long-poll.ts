import type { DrainHints } from './drain-hints';
import { topicOf, type NotificationHub } from './notification-hub';

export interface LongPollOptions<T> {
  hub: NotificationHub;
  channel: string;
  /** The notification payload that concerns this request (the destination). */
  key: string;
  waitMs: number;
  /** Aborted when the client disconnects: the wait ends and nothing more is queried. */
  signal: AbortSignal;
  /** Runs the query; an empty result means "nothing yet". */
  run: () => Promise<T[]>;
  /**
   * When the query says so of its answer (fewer rows than its cap), nothing more was there: the
   * next long poll for the key may then wait without querying first (drain-hints.ts).
   */
  drained?: (rows: T[]) => boolean;
  hints?: DrainHints;
  /**
   * The call's variables as text: a hint serves only a call with the same values as the one that
   * noted it. A call whose values the query refuses (its range checks) then never skips the
   * query: it fails at once, as it would on hosted Neurelo, instead of waiting and answering [].
   */
  hintScope?: string;
}

/**
 * Runs the query; while it finds nothing, sleeps until a notification names the key, then runs
 * it again, until rows come back or the time is up. Another waiter may take the message that
 * woke us: then we just wait again for the time left. The first run is skipped when a drain
 * hint says it would find nothing.
 */
export async function runWithLongPoll<T>(options: LongPollOptions<T>): Promise<T[]> {
  const { hub, channel, key, waitMs, signal, run, drained, hints, hintScope } = options;
  const topic = topicOf(channel, key);
  const hintKey = hintScope === undefined ? topic : `${topic}\n${hintScope}`;
  const deadline = Date.now() + waitMs;
  let first = true;
  for (;;) {
    const subscription = await hub.subscribe(channel, key);
    try {
      const known = first && hints?.take(hintKey, subscription.heardBefore) === true;
      first = false;
      const rows = known ? [] : await run();
      if (!known && drained?.(rows)) hints?.note(hintKey, subscription.heardBefore);
      const remainingMs = deadline - Date.now();
      if (rows.length > 0 || remainingMs <= 0 || signal.aborted) return rows;
      if ((await subscription.wait(remainingMs, signal)) !== 'notified') return rows;
    } finally {
      subscription.close();
    }
  }
}
