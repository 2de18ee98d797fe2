import {
  DataApiClient,
  MessageWaiter,
  QueueApi,
  loadDataApiConfig,
  type DurableEntry,
} from '@paxos/shared';
import { z } from 'zod';
import { parseEnv } from './config';
import type { Logger } from './logger';
import type { ClaimedMessage, QueuePort, StepCommit } from './queue-port';

const WaitEnvSchema = z.object({
  LONG_POLL_SECONDS: z.coerce.number().int().min(1).max(20).default(20),
  POLL_INTERVAL_MS_MAX: z.coerce.number().int().min(10).max(60_000).default(1_000),
});

/**
 * The QueuePort over Neurelo's data API (the local server or a hosted environment): the
 * custom queries of neurelo/queries, called through the typed client with retries.
 */
export function createNeureloQueuePort(env: NodeJS.ProcessEnv, logger: Logger): QueuePort {
  const config = loadDataApiConfig(env);
  const wait = parseEnv(WaitEnvSchema, env);
  const client = new DataApiClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    onRetry: (e) =>
      logger.debug({ retry: e.retry, delayMs: e.delayMs, failure: e.failure }, 'data API retry'),
  });
  logger.info({ dataApi: config.baseUrl }, 'using the data API');
  const queue = new QueueApi(client);
  const waiters = new Map<string, MessageWaiter>();

  return {
    claimEpoch: (request) => queue.claimEpoch(request),
    renewEpoch: (request) => queue.renewEpoch(request),
    releaseEpoch: async (request) => {
      await queue.releaseEpoch(request);
    },
    retention: (request) => queue.retention(request),
    reclaim: async (dst, owner) => {
      const { rows } = await client.custom<{ released: number }>('queue_reclaim', 'POST', {
        dst,
        owner,
      });
      return Number(rows[0]?.released ?? 0);
    },
    loadDurable: (owner): Promise<Map<string, DurableEntry>> => queue.loadDurable(owner),
    claim: async ({ dst, owner, limit, leaseMs, signal }): Promise<ClaimedMessage[]> => {
      const key = `${dst}\u0000${owner}`;
      let waiter = waiters.get(key);
      if (!waiter) {
        waiter = new MessageWaiter({
          queue,
          dst,
          owner,
          limit,
          leaseMs,
          waitSeconds: wait.LONG_POLL_SECONDS,
          pollIntervalMsMax: wait.POLL_INTERVAL_MS_MAX,
        });
        waiters.set(key, waiter);
      }
      return waiter.next(signal);
    },
    stepCommit: async (c: StepCommit) => {
      const r = await queue.stepCommit({
        processId: c.processId,
        epoch: c.epoch,
        writeSeq: c.writeSeq,
        acks: c.acks,
        puts: c.puts,
        truncateBelow: c.truncateBelow,
        sends: c.sends,
      });
      return { fenced: r.fenced };
    },
    deadLetter: async (owner, id, reason) => {
      await queue.deadLetter({ owner, id, reason });
    },
    release: async (owner, ids) => {
      await queue.release(owner, ids);
    },
  };
}
