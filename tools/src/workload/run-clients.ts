import type { KeyOp } from '@paxos/shared';
import { KvClient, type RecordedOperation } from './kv-client';

export interface ClientRunOptions {
  clients: number;
  replicaUrls: string[];
  /** Makes the next operation of client `clientIndex` (its `n`-th). */
  nextOp: (clientIndex: number, n: number) => KeyOp;
  shouldStop: () => boolean;
  commandDeadlineMs?: number;
  attemptTimeoutMs?: number;
  /** Each command goes to the replica this picks (a load balancer); default: sticky clients. */
  pickReplica?: () => number;
  onAcknowledged?: (latencyMs: number, at: number) => void;
  /** The replicas' client key, when they require one. */
  clientKey?: string;
}

export interface ClientRunResult {
  history: RecordedOperation[];
  latenciesMs: number[];
  acknowledged: number;
  /** Commands with no answer (unknown outcome) or refused for the key-value quota. */
  unanswered: number;
  acknowledgedAt: number[];
  /** Every attempt's HTTP status over all clients (0: no answer), for contract checks. */
  statuses: Map<number, number>;
}

export const wallClock = (): number => performance.timeOrigin + performance.now();

/**
 * Runs closed-loop clients (one command in flight each, one session each) until shouldStop()
 * says so. Client i starts on replica i (mod the replicas).
 */
export async function runClients(o: ClientRunOptions): Promise<ClientRunResult> {
  const clients = Array.from(
    { length: o.clients },
    (_, i) =>
      new KvClient({
        replicaUrls: o.replicaUrls,
        firstReplica: i,
        ...(o.pickReplica ? { pickReplica: o.pickReplica } : {}),
        commandDeadlineMs: o.commandDeadlineMs ?? 30_000,
        attemptTimeoutMs: o.attemptTimeoutMs ?? 12_000,
        clock: wallClock,
        ...(o.clientKey === undefined ? {} : { clientKey: o.clientKey }),
      }),
  );
  const latenciesMs: number[] = [];
  const acknowledgedAt: number[] = [];
  let unanswered = 0;
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; !o.shouldStop(); n++) {
        const { result, latencyMs } = await client.run(o.nextOp(i, n));
        if (result === null) {
          unanswered += 1;
          continue;
        }
        latenciesMs.push(latencyMs);
        const at = wallClock();
        acknowledgedAt.push(at);
        o.onAcknowledged?.(latencyMs, at);
      }
    }),
  );
  return {
    history: clients.flatMap((c) => c.history),
    latenciesMs,
    acknowledged: latenciesMs.length,
    unanswered,
    acknowledgedAt,
    statuses: sumStatuses(clients.map((c) => c.session.statuses)),
  };
}

export function sumStatuses(all: Array<ReadonlyMap<number, number>>): Map<number, number> {
  const sum = new Map<number, number>();
  for (const m of all) for (const [status, n] of m) sum.set(status, (sum.get(status) ?? 0) + n);
  return sum;
}
