import { setTimeout as sleep } from 'node:timers/promises';
import { chaosKeys, chaosOp } from '../chaos/workload';
import { KvClient, type RecordedOperation } from '../workload/kv-client';
import { wallClock } from '../workload/run-clients';

/**
 * The soak's steady load: chaos's operations (chaos/workload.ts: get/put/cas on `sharedKeys`
 * keys, puts on a key of each client's own) on a FIXED key space, so that anything that keeps
 * growing is a leak and not the data. Every client pauses between commands, so the offered
 * load stays far below what the machine can do and the run measures memory, not saturation.
 */
export interface SoakWorkload {
  clients: number;
  sharedKeys: number;
  /** Mean pause between one client's commands (uniform in 0.5x-1.5x). */
  pauseMs: number;
}

/** Every key the load touches: the final check reads each one back. */
export const soakKeys = (w: SoakWorkload): string[] => chaosKeys(w);

/** Keys one client alone writes, where a lost acknowledged write shows. */
export const isOwnKey = (key: string): boolean => key.startsWith('own-');

export interface SoakLoadResult {
  history: RecordedOperation[];
  acknowledged: number;
  /** Commands that got no final answer before their deadline (outcome unknown). */
  unanswered: number;
}

/** Live counts, for the progress line. */
export interface LoadCounters {
  acknowledged: number;
  unanswered: number;
}

/** Runs the paced clients until shouldStop() says so. Client i starts on replica i. */
export async function runSoakLoad(o: {
  workload: SoakWorkload;
  replicaUrls: string[];
  random: () => number;
  shouldStop: () => boolean;
  counters: LoadCounters;
}): Promise<SoakLoadResult> {
  const nextOp = chaosOp(o.random, o.workload);
  const clients = Array.from(
    { length: o.workload.clients },
    (_, i) =>
      new KvClient({
        replicaUrls: o.replicaUrls,
        firstReplica: i,
        commandDeadlineMs: 20_000,
        attemptTimeoutMs: 5_000,
        clock: wallClock,
      }),
  );
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; !o.shouldStop(); n++) {
        const { result } = await client.run(nextOp(i, n));
        if (result === null) o.counters.unanswered += 1;
        else o.counters.acknowledged += 1;
        await sleep(o.workload.pauseMs * (0.5 + o.random()));
      }
    }),
  );
  return {
    history: clients.flatMap((c) => c.history),
    acknowledged: o.counters.acknowledged,
    unanswered: o.counters.unanswered,
  };
}
