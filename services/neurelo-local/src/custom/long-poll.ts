import type { NotificationHub } from './notification-hub';

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
}

/**
 * Runs the query; while it finds nothing, sleeps until a notification names the key, then runs
 * it again, until rows come back or the time is up. Another waiter may take the message that
 * woke us: then we just wait again for the time left.
 */
export async function runWithLongPoll<T>(options: LongPollOptions<T>): Promise<T[]> {
  const { hub, channel, key, waitMs, signal, run } = options;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const subscription = await hub.subscribe(channel, key);
    try {
      const rows = await run();
      const remainingMs = deadline - Date.now();
      if (rows.length > 0 || remainingMs <= 0 || signal.aborted) return rows;
      if ((await subscription.wait(remainingMs, signal)) !== 'notified') return rows;
    } finally {
      subscription.close();
    }
  }
}
