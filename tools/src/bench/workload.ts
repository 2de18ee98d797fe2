import type { KeyOp } from '@paxos/shared';
import { Agent } from 'undici';
import { KvClient } from '../workload/kv-client';
import { wallClock } from '../workload/run-clients';

/**
 * One keep-alive connection per client that is waiting for an answer: a closed-loop client
 * must never queue behind another one inside this process (kv-client's own agent allows 64
 * connections per replica, which would cap the offered concurrency at 64 per replica).
 */
const benchDispatcher = new Agent({ connections: null });

/** A simulated client: a session of its own, registered on its first command. */
function newClient(index: number, replicaUrls: string[]): KvClient {
  return new KvClient({
    replicaUrls,
    firstReplica: index,
    commandDeadlineMs: 15_000,
    attemptTimeoutMs: 12_000,
    clock: wallClock,
    dispatcher: benchDispatcher,
  });
}

export interface WorkloadShape {
  keys: number;
  /** Fraction of gets, 0..1; the rest are puts. */
  readRatio: number;
}

/** The n-th command of client `clientIndex`: a get or a put of a uniformly chosen key. */
export function makeOp(
  shape: WorkloadShape,
  clientIndex: number,
  n: number,
  random = Math.random,
): KeyOp {
  const key = `k${Math.floor(random() * shape.keys)}`;
  return random() < shape.readRatio
    ? { kind: 'get', key }
    : { kind: 'put', key, value: `c${clientIndex}-${n}` };
}

/** Acknowledged commands: when each was answered and how long it took. */
export interface Completions {
  atMs: number[];
  latencyMs: number[];
  unanswered: number;
}

/** Latencies of the commands answered within [fromMs, toMs). */
export function latenciesWithin(c: Completions, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.atMs.length; i++) {
    const at = c.atMs[i]!;
    if (at >= fromMs && at < toMs) out.push(c.latencyMs[i]!);
  }
  return out;
}

/**
 * Closed loop: `clients` clients, one session and one command in flight each, until stop() is
 * called.
 * Commands still in flight then finish (or give up after the deadline) before it resolves.
 */
export function startClosedLoop(o: WorkloadShape & { clients: number; replicaUrls: string[] }): {
  completions: Completions;
  stop: () => Promise<void>;
} {
  const completions: Completions = { atMs: [], latencyMs: [], unanswered: 0 };
  let stopping = false;
  const loops = Array.from({ length: o.clients }, async (_, i) => {
    const client = newClient(i, o.replicaUrls);
    for (let n = 0; !stopping; n++) {
      const { result, latencyMs } = await client.run(makeOp(o, i, n));
      if (result === null) {
        completions.unanswered += 1;
        continue;
      }
      completions.atMs.push(wallClock());
      completions.latencyMs.push(latencyMs);
    }
  });
  return {
    completions,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/**
 * How many commands of an open loop at `perSecond` are due `elapsedMs` after its start:
 * command n is due at n / perSecond seconds, the first one at once.
 */
export function commandsDue(elapsedMs: number, perSecond: number): number {
  return Math.floor((elapsedMs / 1000) * perSecond) + 1;
}

/**
 * Open loop: commands are issued at `perSecond` whatever the answers do, each by an idle
 * client (a new one when all are busy). A command's latency counts from the moment it was
 * DUE, not from when it went out, so a stall shows in the percentiles instead of quietly
 * lowering the offered load (no coordinated omission).
 */
export function startOpenLoop(o: WorkloadShape & { perSecond: number; replicaUrls: string[] }): {
  completions: Completions;
  stop: () => Promise<void>;
} {
  const completions: Completions = { atMs: [], latencyMs: [], unanswered: 0 };
  const idle: KvClient[] = [];
  let made = 0;
  let issued = 0;
  const inFlight = new Set<Promise<void>>();
  const startedAt = wallClock();
  const issue = (dueAt: number): void => {
    const client = idle.pop() ?? newClient(made++, o.replicaUrls);
    const n = issued++;
    const p = client.run(makeOp(o, 0, n)).then(({ result }) => {
      const at = wallClock();
      if (result === null) completions.unanswered += 1;
      else {
        completions.atMs.push(at);
        completions.latencyMs.push(at - dueAt);
      }
      idle.push(client);
      inFlight.delete(p);
    });
    inFlight.add(p);
  };
  // A 5 ms tick issues every command that has come due since the last one.
  const timer = setInterval(() => {
    const due = commandsDue(wallClock() - startedAt, o.perSecond);
    while (issued < due) issue(startedAt + (issued * 1000) / o.perSecond);
  }, 5);
  return {
    completions,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
