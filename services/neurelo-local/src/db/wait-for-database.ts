import { isDatabaseOutage } from './outage';

export interface WaitForDatabaseOptions {
  /** Called before each pause: what failed, how many tries so far, how long until the next. */
  onRetry: (err: unknown, attempt: number, delayMs: number) => void;
  /** Aborted (a SIGTERM while waiting): the wait ends with the last error. */
  signal?: AbortSignal;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` (the start-up migration) until the database answers. A database that is not
 * up yet (its container still starting: compose does not always wait for its healthcheck) is
 * waited for, with a growing pause; any other error (a wrong password, a broken migration)
 * is thrown at once, because waiting would not mend it.
 */
export async function untilDatabaseAnswers<T>(
  attempt: () => Promise<T>,
  options: WaitForDatabaseOptions,
): Promise<T> {
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  let delayMs = options.firstDelayMs ?? 250;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isDatabaseOutage(err) || options.signal?.aborted) throw err;
      options.onRetry(err, tries, delayMs);
      await pause(delayMs, options.signal);
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
