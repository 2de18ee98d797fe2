import type { Client } from 'pg';
import { readPgCounters, type PgCounters } from './pg-counters';
import { cpuSecondsOf, percentOfCore } from './proc-cpu';
import { readRequestCount } from './request-counter';
import { messagesSent } from './service-metrics';
import type { BenchTarget } from './target';

/** Every cumulative counter of a running configuration, read at one instant. */
export interface Snapshot {
  atMs: number;
  /** CPU seconds of each process of the target, by name (with its kind). */
  processes: Array<{ name: string; kind: string; cpuSeconds: number | null }>;
  /** CPU seconds of each PostgreSQL backend of the bench database, by pid. */
  backends: Map<number, number>;
  /** CPU seconds of the server's walwriter, checkpointer and background writer, by pid. */
  auxiliaries: Map<number, number>;
  /** This benchmark process (the clients). */
  clientCpuSeconds: number;
  pg: PgCounters | null;
  apiRequests: number | null;
  messagesSent: number;
}

export async function takeSnapshot(target: BenchTarget, pg: Client | null): Promise<Snapshot> {
  const [counters, apiRequests, sent] = await Promise.all([
    pg && target.database ? readPgCounters(pg, target.database.name) : Promise.resolve(null),
    target.requestCounterPort === null
      ? Promise.resolve(null)
      : readRequestCount(target.requestCounterPort),
    messagesSent(target.rolePorts),
  ]);
  const cpuOf = (pids: readonly number[]): Map<number, number> => {
    const m = new Map<number, number>();
    for (const pid of pids) {
      const s = cpuSecondsOf(pid);
      if (s !== null) m.set(pid, s);
    }
    return m;
  };
  const usage = process.cpuUsage();
  return {
    atMs: performance.now(),
    processes: target.processes().map((p) => ({
      name: p.name,
      kind: p.kind,
      cpuSeconds: p.pid === null ? null : cpuSecondsOf(p.pid),
    })),
    backends: cpuOf(counters?.backendPids ?? []),
    auxiliaries: cpuOf(counters?.auxiliaryPids ?? []),
    clientCpuSeconds: (usage.user + usage.system) / 1e6,
    pg: counters,
    apiRequests,
    messagesSent: sent,
  };
}

/** What happened between two snapshots, as rates. CPU is in percent of one core. */
export interface WindowFigures {
  seconds: number;
  messagesPerSecond: number;
  apiRequestsPerSecond: number | null;
  commitsPerSecond: number | null;
  walBytesPerSecond: number | null;
  walSyncsPerSecond: number | null;
  /** Per process of the target, plus `postgres backends`, `postgres shared`, `bench client`. */
  cpuPercent: Record<string, number>;
  /** Grouped: roles, data API, postgres (the bench database's backends), client. */
  cpuPercentByGroup: Record<CpuGroup, number>;
}

export type CpuGroup = 'roles' | 'dataApi' | 'postgres' | 'postgresShared' | 'client';

export function figuresBetween(a: Snapshot, b: Snapshot): WindowFigures {
  const seconds = (b.atMs - a.atMs) / 1000;
  const rate = (x: number | null | undefined, y: number | null | undefined): number | null =>
    x === null || x === undefined || y === null || y === undefined ? null : (y - x) / seconds;
  const cpuPercent: Record<string, number> = {};
  const groups: Record<CpuGroup, number> = {
    roles: 0,
    dataApi: 0,
    postgres: 0,
    postgresShared: 0,
    client: 0,
  };
  for (const p of b.processes) {
    const before = a.processes.find((x) => x.name === p.name)?.cpuSeconds;
    if (p.cpuSeconds === null || before === null || before === undefined) continue;
    const pct = percentOfCore(p.cpuSeconds - before, seconds);
    cpuPercent[p.name] = pct;
    groups[p.kind === 'neurelo' ? 'dataApi' : 'roles'] += pct;
  }
  groups.postgres = percentOfCore(cpuDelta(a.backends, b.backends), seconds);
  groups.postgresShared = percentOfCore(cpuDelta(a.auxiliaries, b.auxiliaries), seconds);
  groups.client = percentOfCore(b.clientCpuSeconds - a.clientCpuSeconds, seconds);
  cpuPercent['postgres backends'] = groups.postgres;
  cpuPercent['postgres shared'] = groups.postgresShared;
  cpuPercent['bench client'] = groups.client;
  return {
    seconds,
    messagesPerSecond: (b.messagesSent - a.messagesSent) / seconds,
    apiRequestsPerSecond: rate(a.apiRequests, b.apiRequests),
    commitsPerSecond: rate(a.pg?.commits, b.pg?.commits),
    walBytesPerSecond: rate(a.pg?.walBytes, b.pg?.walBytes),
    walSyncsPerSecond: rate(a.pg?.walSyncs, b.pg?.walSyncs),
    cpuPercent,
    cpuPercentByGroup: groups,
  };
}

/** CPU used by a set of processes; one that appeared in between counts from zero (new backend). */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}
