import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import { connect } from './bench-database';
import { COMPARISON_LOADS, type ComparisonLoad } from './comparison-loads';
import { loadResult, ratiosToEtcd, type LoadRatios, type LoadResult } from './comparison-report';
import { configurationNamed, DEFAULT_FLEET_CONFIGURATION } from './configurations';
import { trackTarget } from './current-target';
import { etcdRunners } from './etcd-client';
import { ETCD_INSTALL_HINT, ETCD_MEMBERS, findOnPath } from './etcd-members';
import { startEtcdTarget } from './etcd-target';
import { fleetRunners } from './fleet-runner';
import { startFleetTarget } from './fleet-target';
import { measureIdle, measureWindow, type RunContext } from './measure';
import type { RunnerFactory } from './op-runner';
import type { IdleResult } from './report';
import { figuresBetween } from './snapshot';
import type { BenchTarget } from './target';
import {
  MAX_OPEN_LOOP_CLIENTS,
  startClosedLoop,
  startOpenLoop,
  type LoopOptions,
} from './workload';

/**
 * The comparison with etcd: the same loads (comparison-loads.ts) from the same generator on a
 * three-member etcd cluster and on the default fleet, one system after the other, each on a
 * fresh start; CPU from /proc for both (the fleet's with its PostgreSQL backends). etcd is
 * skipped, with a note, when no `etcd` binary is on the PATH.
 */

export interface SystemLoads {
  loads: LoadResult[];
  idle: IdleResult | null;
}

export interface EtcdComparison {
  etcd: SystemLoads & {
    /** Why etcd was not measured, or null. */
    skipped: string | null;
    binary: string | null;
    version: string | null;
    members: number;
  };
  fleet: SystemLoads & { configuration: string };
  /** Fleet / etcd, per load. */
  ratios: LoadRatios[];
}

export interface ComparisonOptions {
  /** Measure each system idle after its loads (`--idle-seconds`). */
  measureIdle: boolean;
  /** Run the fleet's side even when etcd cannot run (`--vs-etcd`: its figures still help). */
  fleetWithoutEtcd: boolean;
}

export async function runEtcdComparison(
  ctx: RunContext,
  o: ComparisonOptions,
): Promise<EtcdComparison> {
  const binary = findOnPath('etcd');
  const skipped = binary ? null : `no etcd binary on the PATH (${ETCD_INSTALL_HINT})`;
  if (skipped) ctx.log(`bench: etcd skipped: ${skipped}`);
  const none: SystemLoads = { loads: [], idle: null };
  const etcd = binary ? await measureEtcd(binary, ctx, o) : none;
  const fleet = binary || o.fleetWithoutEtcd ? await measureFleet(ctx, o) : none;
  return {
    etcd: {
      ...etcd,
      skipped,
      binary,
      version: binary ? etcdVersion(binary) : null,
      members: ETCD_MEMBERS,
    },
    fleet: { ...fleet, configuration: DEFAULT_FLEET_CONFIGURATION },
    ratios: ratiosToEtcd(fleet.loads, etcd.loads),
  };
}

async function measureEtcd(
  binary: string,
  ctx: RunContext,
  o: ComparisonOptions,
): Promise<SystemLoads> {
  const logDir = path.join(ctx.workDir, 'etcd');
  mkdirSync(logDir, { recursive: true });
  ctx.log(`\n[etcd] starting ${ETCD_MEMBERS} members from port ${ctx.args.etcdBasePort}`);
  const target = await startEtcdTarget({
    binary,
    basePort: ctx.args.etcdBasePort,
    logDir,
    log: ctx.log,
  });
  return measureSystem(target, null, etcdRunners(target.replicaUrls), ctx, o);
}

async function measureFleet(ctx: RunContext, o: ComparisonOptions): Promise<SystemLoads> {
  const configuration = configurationNamed(DEFAULT_FLEET_CONFIGURATION);
  ctx.log(`\n[${configuration.name}] starting for the comparison with etcd`);
  const target = await startFleetTarget(configuration, {
    basePort: ctx.args.basePort,
    workDir: path.join(ctx.workDir, 'vs-etcd'),
    log: ctx.log,
  });
  const pg = target.database
    ? await connect(target.database.url).catch(async (err: unknown) => {
        await target.stop();
        throw err;
      })
    : null;
  return measureSystem(target, pg, fleetRunners(target.replicaUrls), ctx, o);
}

/** Every load in turn, then idle (last: see run-configuration.ts), then stops the target. */
async function measureSystem(
  target: BenchTarget,
  pg: Client | null,
  runners: RunnerFactory,
  ctx: RunContext,
  o: ComparisonOptions,
): Promise<SystemLoads> {
  trackTarget(target);
  try {
    const loads: LoadResult[] = [];
    for (const load of COMPARISON_LOADS) {
      const r = await measureLoad(target, pg, runners, load, ctx);
      loads.push(r);
      ctx.log(
        `[${r.system}] ${load.title}: ${r.answeredPerSecond.toFixed(0)}/s answered, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms` +
          (r.readLatencyMs ? ` (reads: p99 ${r.readLatencyMs.p99.toFixed(1)} ms)` : '') +
          `, CPU ${r.cpuPercentTotal.toFixed(0)} %` +
          (r.unanswered > 0 ? `, ${r.unanswered} unanswered` : ''),
      );
    }
    const idle =
      o.measureIdle && ctx.args.idleSeconds > 0 ? await measureIdle(target, pg, ctx) : null;
    return { loads, idle };
  } finally {
    await pg?.end().catch(() => undefined);
    trackTarget(null);
    await target.stop();
  }
}

async function measureLoad(
  target: BenchTarget,
  pg: Client | null,
  runners: RunnerFactory,
  load: ComparisonLoad,
  ctx: RunContext,
): Promise<LoadResult> {
  const system = target.configuration.name;
  const run = startLoad(load, { keys: ctx.args.keys, readRatio: load.readRatio, runners });
  let window;
  try {
    window = await measureWindow(target, pg, ctx, `[${system}] ${load.title}`, run.completions);
  } finally {
    await run.stop();
  }
  const figures = figuresBetween(window.a, window.b);
  // A process whose /proc entry could not be read counts nothing: say so rather than report a
  // system cheaper than it is.
  const unread = target.processes().filter((p) => figures.cpuPercent[p.name] === undefined);
  if (unread.length > 0) {
    ctx.log(
      `[${system}] WARNING: no CPU reading of ${unread.map((p) => p.name).join(', ')} for ${load.title}`,
    );
  }
  if (run.clientsMade() >= MAX_OPEN_LOOP_CLIENTS) {
    ctx.log(
      `[${system}] ${load.title}: all ${MAX_OPEN_LOOP_CLIENTS} open-loop clients were busy at once; due commands waited for one`,
    );
  }
  return loadResult(load, system, figures, run.completions, window.fromMs, window.toMs);
}

/** The load's loop; clientsMade is 0 for a closed loop (its clients are fixed). */
function startLoad(load: ComparisonLoad, shape: LoopOptions) {
  if (load.loop === 'open') return startOpenLoop({ ...shape, perSecond: load.perSecond });
  return { ...startClosedLoop({ ...shape, clients: load.clients }), clientsMade: () => 0 };
}

function etcdVersion(binary: string): string | null {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}
