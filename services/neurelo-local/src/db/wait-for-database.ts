import { isDatabaseOutage } from './outage';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Runs `attempt` (the start-up migration) until the database answers. A database that is not
 * up yet (its container still starting: compose does not always wait for its healthcheck) is
 * waited for, with a growing pause; any other error (a wrong password, a broken migration)
 * is thrown at once, because waiting would not mend it. `onRetry` hears of each failure
 * before the pause: what failed, how many tries so far, how long until the next.
 */
export async function untilDatabaseAnswers<T>(
  attempt: () => Promise<T>,
  onRetry: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  let delayMs = FIRST_DELAY_MS;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isDatabaseOutage(err)) throw err;
      onRetry(err, tries, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(MAX_DELAY_MS, delayMs * 2);
    }
  }
}
