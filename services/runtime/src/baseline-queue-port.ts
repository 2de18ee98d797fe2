import { randomUUID } from 'node:crypto';
import {
  DataApiClient,
  DataApiRequestError,
  QueueApi,
  RestApi,
  loadDataApiConfig,
  type DurableEntry,
} from '@paxos/shared';
import { z } from 'zod';
import { parseEnv } from './config';
import type { Logger } from './logger';
import type { ClaimedMessage, QueuePort, StepCommit } from './queue-port';
import { sleep } from './wakeup';

const BaselineEnvSchema = z.object({
  /**
   * The pause after an empty pop. The original project polled with no pause at all; 10 ms
   * keeps seven idle pollers from eating both cores of the benchmark machine (about 700
   * requests/s in all) while adding at most 10 ms per hop.
   */
  BASELINE_POLL_MS: z.coerce.number().int().min(0).max(10_000).default(10),
});

/**
 * The queue as the original Python project used it, for the benchmark's baseline only:
 * `claim` pops ONE message (`DELETE /custom/queue_pop?dst=`) in a polling loop, and a step
 * commit pushes each outgoing message on its own (`POST /rest/queue_item/__one`). No leases,
 * no batching, no long polls. The role's durable state is still written (a step_commit with
 * puts only, before any send), so the comparison is about the queue design, not about
 * durability. Like the original, a message popped by a process that then crashes is lost.
 */
export function createBaselineQueuePort(env: NodeJS.ProcessEnv, logger: Logger): QueuePort {
  const config = loadDataApiConfig(env);
  const { BASELINE_POLL_MS: pollMs } = parseEnv(BaselineEnvSchema, env);
  const client = new DataApiClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
  });
  logger.info(
    { dataApi: config.baseUrl, pollMs },
    'using the baseline queue (pop and push one by one)',
  );
  const queue = new QueueApi(client);
  const rest = new RestApi(client);
  let seq = 0;

  const pushOne = async (dst: string, payload: string, id: string): Promise<void> => {
    try {
      await rest.createOne('queue_item', {
        element_identifier: id,
        time_inserted: new Date().toISOString(),
        dst,
        payload,
      });
    } catch (err) {
      // A retried create whose first attempt landed: the message is queued, which is all we want.
      if (err instanceof DataApiRequestError && err.messages.some((m) => /duplicate/i.test(m))) {
        return;
      }
      throw err;
    }
  };

  return {
    // The lease and retention queries are the fleet's own: the baseline models the queue only.
    claimEpoch: (request) => queue.claimEpoch(request),
    renewEpoch: (request) => queue.renewEpoch(request),
    releaseEpoch: async (request) => {
      await queue.releaseEpoch(request);
    },
    retention: (request) => queue.retention(request),
    // Popped messages are deleted, so an earlier incarnation holds no leases to take back.
    reclaim: async () => 0,
    loadDurable: (owner): Promise<Map<string, DurableEntry>> => queue.loadDurable(owner),
    claim: async ({ dst, signal }): Promise<ClaimedMessage[]> => {
      while (!signal?.aborted) {
        const popped = await queue.popOriginal(dst);
        if (popped !== null) {
          seq += 1;
          return [{ id: popped.id, payload: popped.payload, attempts: 1, seq }];
        }
        await sleep(pollMs);
      }
      return [];
    },
    stepCommit: async (c: StepCommit) => {
      if (c.puts.length > 0 || c.truncateBelow > 0) {
        const r = await queue.stepCommit({
          processId: c.processId,
          epoch: c.epoch,
          writeSeq: c.writeSeq,
          acks: [],
          puts: c.puts,
          truncateBelow: c.truncateBelow,
          sends: [],
        });
        if (!r.fenced) return { fenced: false };
      }
      for (const s of c.sends) await pushOne(s.dst, s.payload, s.id ?? randomUUID());
      return { fenced: true };
    },
    // The message was deleted when it was popped: there is nothing left to move or hand back.
    deadLetter: async (_owner, id, reason) => {
      logger.warn({ id, reason }, 'baseline: dropping an invalid message (already popped)');
    },
    release: async () => undefined,
  };
}
