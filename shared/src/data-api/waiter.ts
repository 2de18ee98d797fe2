import { DataApiAbortedError } from './errors';
import type { ClaimedMessage, QueueApi } from './queue';
import { type Sleep, sleepMs } from './sleep';

/**
 * How a consumer loop waits for work without paying for idleness.
 *
 * Each claim asks for a long poll. The local server honours it and holds the request until a
 * message for `dst` arrives (or the wait ends), so an idle consumer costs one request per
 * `waitSeconds`. Hosted Neurelo ignores the preference and answers at once; then the waiter
 * sleeps between claims, doubling the interval from `pollIntervalMsMin` up to
 * `pollIntervalMsMax`, and drops back to the minimum as soon as messages arrive: a busy
 * consumer stays quick, an idle one settles at about one request per `pollIntervalMsMax`.
 */
export interface MessageWaiterOptions {
  queue: Pick<QueueApi, 'claim'>;
  dst: string;
  owner: string;
  limit: number;
  leaseMs: number;
  /** Long-poll length per claim, 1..20. */
  waitSeconds?: number;
  pollIntervalMsMin?: number;
  pollIntervalMsMax?: number;
  sleep?: Sleep;
}

export class MessageWaiter {
  private readonly options: Required<MessageWaiterOptions>;
  private idleIntervalMs: number;

  constructor(options: MessageWaiterOptions) {
    this.options = {
      waitSeconds: 10,
      pollIntervalMsMin: 25,
      pollIntervalMsMax: 1_000,
      sleep: sleepMs,
      ...options,
    };
    if (this.options.pollIntervalMsMin < 1) throw new RangeError('pollIntervalMsMin must be >= 1');
    if (this.options.pollIntervalMsMax < this.options.pollIntervalMsMin) {
      throw new RangeError('pollIntervalMsMax must be >= pollIntervalMsMin');
    }
    this.idleIntervalMs = this.options.pollIntervalMsMin;
  }

  /** The sleep that follows the next empty answer without a long poll. */
  get nextPollIntervalMs(): number {
    return this.idleIntervalMs;
  }

  /**
   * Resolves with at least one leased message, or with none once `signal` aborts (graceful
   * shutdown). Data-API failures other than the abort propagate to the caller. A claim cut
   * short by the abort may have leased messages on the server: they return to the queue when
   * their lease expires.
   */
  async next(signal?: AbortSignal): Promise<ClaimedMessage[]> {
    const { queue, dst, owner, limit, leaseMs, waitSeconds, sleep } = this.options;
    while (!signal?.aborted) {
      let claimed: Awaited<ReturnType<QueueApi['claim']>>;
      try {
        claimed = await queue.claim({ dst, owner, limit, leaseMs, waitSeconds, signal });
      } catch (error) {
        if (error instanceof DataApiAbortedError) return [];
        throw error;
      }
      if (claimed.messages.length > 0) {
        this.idleIntervalMs = this.options.pollIntervalMsMin;
        return claimed.messages;
      }
      if (claimed.longPolled) {
        // The server already waited. The short pause only guards against a server that
        // claims to long-poll yet answers at once, which would otherwise spin this loop.
        await sleep(this.options.pollIntervalMsMin, signal);
        continue;
      }
      await sleep(this.idleIntervalMs, signal);
      this.idleIntervalMs = Math.min(this.idleIntervalMs * 2, this.options.pollIntervalMsMax);
    }
    return [];
  }
}
