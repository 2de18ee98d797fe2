import type { Client } from 'pg';
import { readPgCounters, type PgCounters } from './pg-counters';
import { cpuSecondsOf, percentOfCore } from './proc-cpu';
import { readRequestCount } from './request-counter';
import {
  readReplicaCounters,
  slotFigures,
  type ReplicaCounters,
  type SlotFigures,
} from './replica-counters';
import { readRoleCounters, ZERO_COUNTERS, type RoleCounters } from './service-metrics';
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
  /** The role services' counters, summed per kind (acceptor, leader, replica). */
  roleCounters: Map<string, RoleCounters>;
  replicaCounters: ReplicaCounters;
}

export async function takeSnapshot(target: BenchTarget, pg: Client | null): Promise<Snapshot> {
  const [counters, apiRequests, perRole, replicaCounters] = await Promise.all([
    pg && target.database ? readPgCounters(pg, target.database.name) : Promise.resolve(null),
    target.requestCounterPort === null
      ? Promise.resolve(null)
      : readRequestCount(target.requestCounterPort),
    Promise.all(
      target.roles.map(async (r) => ({ kind: r.kind, c: await readRoleCounters(r.port) })),
    ),
    readReplicaCounters(target.roles.filter((r) => r.kind === 'replica').map((r) => r.port)),
  ]);
  const roleCounters = new Map<string, RoleCounters>();
  for (const { kind, c } of perRole) roleCounters.set(kind, addCounters(roleCounters.get(kind), c));
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
    roleCounters,
    replicaCounters,
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
  /** What each kind of role did per second, and how long its commits, leases and steps took. */
  roles: Record<string, RoleFigures>;
  slots: SlotFigures;
}

export interface RoleFigures {
  messagesInPerSecond: number;
  commitsPerSecond: number;
  /** Mean over the window, in ms; null when none happened. */
  commitMs: number | null;
  leasesPerSecond: number;
  leaseMs: number | null;
  stepsPerSecond: number;
  stepMs: number | null;
  /** Messages handled per step: how much the step loop batches. */
  messagesPerStep: number | null;
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
    messagesPerSecond: (messagesOut(b) - messagesOut(a)) / seconds,
    apiRequestsPerSecond: rate(a.apiRequests, b.apiRequests),
    commitsPerSecond: rate(a.pg?.commits, b.pg?.commits),
    walBytesPerSecond: rate(a.pg?.walBytes, b.pg?.walBytes),
    walSyncsPerSecond: rate(a.pg?.walSyncs, b.pg?.walSyncs),
    cpuPercent,
    cpuPercentByGroup: groups,
    slots: slotFigures(a.replicaCounters, b.replicaCounters, seconds),
    roles: Object.fromEntries(
      [...b.roleCounters].map(([kind, after]) => [
        kind,
        roleFigures(a.roleCounters.get(kind) ?? ZERO_COUNTERS, after, seconds),
      ]),
    ),
  };
}

function messagesOut(s: Snapshot): number {
  let total = 0;
  for (const c of s.roleCounters.values()) total += c.messagesOut;
  return total;
}

function roleFigures(a: RoleCounters, b: RoleCounters, seconds: number): RoleFigures {
  const d = (k: keyof RoleCounters): number => b[k] - a[k];
  const meanMs = (sum: number, n: number): number | null => (n > 0 ? (1000 * sum) / n : null);
  return {
    messagesInPerSecond: d('messagesIn') / seconds,
    commitsPerSecond: d('commits') / seconds,
    commitMs: meanMs(d('commitSeconds'), d('commits')),
    leasesPerSecond: d('leases') / seconds,
    leaseMs: meanMs(d('leaseSeconds'), d('leases')),
    stepsPerSecond: d('steps') / seconds,
    stepMs: meanMs(d('stepSeconds'), d('steps')),
    messagesPerStep: d('steps') > 0 ? d('messagesIn') / d('steps') : null,
  };
}

function addCounters(a: RoleCounters | undefined, b: RoleCounters): RoleCounters {
  if (!a) return { ...b };
  const out = { ...a };
  for (const k of Object.keys(out) as Array<keyof RoleCounters>) out[k] += b[k];
  return out;
}

/** CPU used by a set of processes; one that appeared in between counts from zero (new backend). */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}
