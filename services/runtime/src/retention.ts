import { sleepMs } from '@paxos/shared';
import { classifyFailure, describeError } from './failures';
import type { Logger } from './logger';
import type { ServiceMetrics } from './metrics';
import type { QueuePort } from './queue-port';

export interface RetentionSettings {
  /** 0: off. */
  everyMs: number;
  unknownAfterMs: number;
  deadLetterAfterMs: number;
}

/** Rows of each kind one run may remove: bounded, so one statement stays short. */
export const RETENTION_BATCH_ROWS = 10_000;

/**
 * Removes queued messages for destinations nobody claims and old dead letters, every
 * `everyMs` (every role host runs it; the statement is idempotent), and publishes what is left.
 * A failed run is logged and tried again next time: retention is housekeeping, never a reason
 * to stop a role. One run shortly after start fills the gauges.
 */
export async function runRetention(
  queue: Pick<QueuePort, 'retention'>,
  settings: RetentionSettings,
  metrics: ServiceMetrics,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  if (settings.everyMs <= 0) return;
  let waitMs = Math.min(settings.everyMs, 5_000);
  while (!signal.aborted) {
    await sleepMs(waitMs, signal);
    if (signal.aborted) return;
    waitMs = settings.everyMs;
    try {
      const r = await queue.retention({
        unknownAfterMs: settings.unknownAfterMs,
        deadLetterAfterMs: settings.deadLetterAfterMs,
        batchLimit: RETENTION_BATCH_ROWS,
      });
      // A full batch means more may be waiting: go again soon rather than a whole period later.
      if (
        r.removedUnknown >= RETENTION_BATCH_ROWS ||
        r.removedDeadLetters >= RETENTION_BATCH_ROWS
      ) {
        waitMs = Math.min(settings.everyMs, 1_000);
      }
      metrics.retentionRemoved.inc({ kind: 'unknown-destination' }, r.removedUnknown);
      metrics.retentionRemoved.inc({ kind: 'dead-letter' }, r.removedDeadLetters);
      metrics.unknownDestinationRows.set(r.unknownRows);
      metrics.deadLetterRows.set(r.deadLetterRows);
      if (r.removedUnknown > 0 || r.removedDeadLetters > 0) {
        logger.info(r, 'retention removed old rows');
      }
    } catch (err) {
      const level = classifyFailure(err) === 'transient' ? 'warn' : 'error';
      logger[level]({ err: describeError(err) }, 'queue retention failed; trying again later');
    }
  }
}
