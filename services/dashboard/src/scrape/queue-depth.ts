import { DataApiClient, QueueApi, type DataApiConfig } from '@paxos/shared';
import type { QueueReading } from '../view/fleet-view';

export interface QueueDepthReader {
  read: () => Promise<QueueReading>;
  close: () => void;
}

/**
 * Reads messages waiting per destination with the `queue_depth` custom query. No retries:
 * the next scrape round is the retry, and a stale figure is worse than an honest "unknown".
 */
export function queueDepthReader(config: DataApiConfig, timeoutMs: number): QueueDepthReader {
  const client = new DataApiClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    timeoutMs,
    retries: 0,
  });
  const queue = new QueueApi(client);
  return {
    read: async () => {
      try {
        return { ok: true, depths: await queue.queueDepth() };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
    close: () => client.close(),
  };
}
