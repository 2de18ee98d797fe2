import { sleepMs } from '@paxos/shared';
import { ShellFatalError, classifyFailure, describeError } from './failures';
import type { Logger } from './logger';
import type { QueuePort } from './queue-port';

/**
 * One process per PROCESS_ID: this incarnation's epoch is held with a lease.
 *
 * - acquire(): claims the epoch with this process's random holder nonce. While another
 *   holder's lease is live the claim is refused with the time left; we wait that long and ask
 *   again, and never take over a live lease, so two copies never knock each other out in turn.
 *   A SIGKILLed holder's lease lapses EPOCH_LEASE_MS after its last renewal: its replacement
 *   takes over within EPOCH_LEASE_MS plus one retry interval (at most RETRY_JITTER_MS_MAX).
 * - renewal: every leaseMs/4, at most RENEW_EVERY_MS_MAX apart, one attempt with a short
 *   timeout. It doubles as the readiness probe: a failure or a timeout makes `healthy` false
 *   until the next success, so /readyz follows the data API and its database within
 *   RENEW_EVERY_MS_MAX + RENEW_TIMEOUT_MS_MAX (3 s), idle or not, and nothing else polls.
 *   renewed=false means a newer incarnation exists: fatal.
 * - release(): on a graceful stop, so a restart need not wait for the lease.
 */
export const RENEW_EVERY_MS_MAX = 1_000;
export const RENEW_TIMEOUT_MS_MAX = 2_000;
export const RETRY_JITTER_MS_MAX = 250;

export interface EpochLeaseOptions {
  queue: Pick<QueuePort, 'claimEpoch' | 'renewEpoch' | 'releaseEpoch'>;
  processId: string;
  /** This process's nonce (crypto.randomUUID): a claim by the holder itself is always granted. */
  holder: string;
  leaseMs: number;
  logger: Logger;
  /** A monotonic clock in ms. */
  now: () => number;
  random?: () => number;
  /** A renewal succeeded after failures: the data API answers again. */
  onReconnected?: () => void;
}

export function renewEveryMsOf(leaseMs: number): number {
  return Math.min(Math.floor(leaseMs / 4), RENEW_EVERY_MS_MAX);
}

export function renewTimeoutMsOf(leaseMs: number): number {
  return Math.min(Math.floor(leaseMs / 2), RENEW_TIMEOUT_MS_MAX);
}

export class EpochLease {
  private epochHeld = 0;
  private healthyNow = false;
  /** A renewal has failed since the last one that succeeded. */
  private renewalsFailing = false;
  private renewing: Promise<void> | null = null;
  private readonly stopRenewing = new AbortController();
  private readonly random: () => number;

  constructor(private readonly o: EpochLeaseOptions) {
    this.random = o.random ?? Math.random;
  }

  get epoch(): number {
    return this.epochHeld;
  }

  /** The last renewal succeeded (or the claim did, and none has failed since). */
  get healthy(): boolean {
    return this.healthyNow;
  }

  /**
   * Waits until the epoch is ours. Transient failures (5xx, network) are retried; any other
   * failure is fatal (ShellFatalError). Resolves with 0 if `signal` aborts first.
   */
  async acquire(signal: AbortSignal): Promise<number> {
    const { queue, processId, holder, leaseMs, logger } = this.o;
    let failures = 0;
    let toldWaiting = false;
    while (!signal.aborted) {
      let claim: Awaited<ReturnType<QueuePort['claimEpoch']>>;
      try {
        claim = await queue.claimEpoch({ processId, holder, leaseMs });
      } catch (err) {
        if (classifyFailure(err) !== 'transient') {
          throw new ShellFatalError(`claiming the epoch of ${processId}: ${describeError(err)}`);
        }
        failures += 1;
        logger.warn(
          { err: describeError(err), attempt: failures },
          'data API not reachable yet; retrying',
        );
        await sleepMs(Math.min(5_000, 200 * failures), signal);
        continue;
      }
      if (claim.granted) {
        this.epochHeld = claim.epoch;
        this.healthyNow = true;
        return claim.epoch;
      }
      if (!toldWaiting) {
        toldWaiting = true;
        logger.warn(
          { holderEpoch: claim.epoch, retryInMs: claim.retryInMs },
          `another process holds ${processId} (lease ends in ${claim.retryInMs} ms); waiting`,
        );
      }
      await sleepMs(claim.retryInMs + Math.round(this.random() * RETRY_JITTER_MS_MAX), signal);
    }
    return 0;
  }

  /** Renews until stop(); `onFatal` gets a ShellFatalError when fenced or misconfigured. */
  startRenewing(onFatal: (err: Error) => void): void {
    if (this.renewing !== null || this.epochHeld === 0) return;
    this.renewing = this.renewLoop(onFatal);
  }

  private async renewLoop(onFatal: (err: Error) => void): Promise<void> {
    const { queue, processId, leaseMs, logger, now } = this.o;
    const everyMs = renewEveryMsOf(leaseMs);
    const timeoutMs = renewTimeoutMsOf(leaseMs);
    const signal = this.stopRenewing.signal;
    while (!signal.aborted) {
      const startedAt = now();
      await sleepMs(everyMs, signal);
      if (signal.aborted) break;
      let renewed: boolean;
      try {
        renewed = await withTimeout(
          queue.renewEpoch({ processId, epoch: this.epochHeld, leaseMs, timeoutMs }),
          timeoutMs,
        );
      } catch (err) {
        if (classifyFailure(err) === 'configuration') {
          this.healthyNow = false;
          onFatal(new ShellFatalError(`renewing the epoch lease: ${describeError(err)}`));
          return;
        }
        if (this.healthyNow) {
          logger.warn(
            { err: describeError(err), afterMs: Math.round(now() - startedAt) },
            'epoch lease renewal failed: not ready until the data API answers again',
          );
        }
        this.healthyNow = false;
        this.renewalsFailing = true;
        continue;
      }
      if (!renewed) {
        this.healthyNow = false;
        onFatal(
          new ShellFatalError(
            `fenced: a newer incarnation of ${processId} holds a later epoch than ${this.epochHeld}`,
          ),
        );
        return;
      }
      if (!this.healthyNow) logger.info('epoch lease renewed: the data API answers again');
      this.healthyNow = true;
      if (this.renewalsFailing) {
        this.renewalsFailing = false;
        this.o.onReconnected?.();
      }
    }
  }

  /** Stops renewing and hands the lease back (best effort: it lapses by itself otherwise). */
  async release(): Promise<void> {
    this.stopRenewing.abort();
    await this.renewing;
    this.healthyNow = false;
    if (this.epochHeld === 0) return;
    try {
      await withTimeout(
        this.o.queue.releaseEpoch({ processId: this.o.processId, epoch: this.epochHeld }),
        renewTimeoutMsOf(this.o.leaseMs),
      );
    } catch (err) {
      this.o.logger.warn(
        { err: describeError(err) },
        'could not hand the epoch lease back; it lapses by itself',
      );
    }
  }

  /** Stops renewing without handing the lease back (fatal paths). */
  abandon(): void {
    this.stopRenewing.abort();
    this.healthyNow = false;
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Whatever the port does with its own timeout, a probe that outlasts `ms` counts as failed. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
