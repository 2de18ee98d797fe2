import { Agent } from 'undici';
import { KvClient } from '../workload/kv-client';
import { wallClock } from '../workload/run-clients';
import type { RunnerFactory } from './op-runner';

/**
 * One keep-alive connection per client that is waiting for an answer: a closed-loop client
 * must never queue behind another one inside this process (kv-client's own agent allows 64
 * connections per replica, which would cap the offered concurrency at 64 per replica).
 */
const benchDispatcher = new Agent({ connections: null });

/**
 * Clients of the fleet's replicas: a session of its own each, registered on its first command;
 * client i starts on replica i (mod the replicas) and stays there unless it stops answering.
 */
export function fleetRunners(replicaUrls: string[]): RunnerFactory {
  return (index) => {
    const client = new KvClient({
      replicaUrls,
      firstReplica: index,
      commandDeadlineMs: 15_000,
      attemptTimeoutMs: 12_000,
      clock: wallClock,
      dispatcher: benchDispatcher,
    });
    return { run: async (op) => (await client.run(op)).result !== null };
  };
}
