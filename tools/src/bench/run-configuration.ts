import { DEFAULT_LEASE_MS } from '@paxos/runtime';
import type { Client } from 'pg';
import { Progress } from '../workload/progress';
import { wallClock } from '../workload/run-clients';
import { percentile } from '../workload/stats';
import type { BenchArgs } from './args';
import { connect } from './bench-database';
import { DEFAULT_FLEET_CONFIGURATION, type BenchConfiguration } from './configurations';
import { startFleetTarget } from './fleet-target';
import { startMemoryTarget } from './memory-target';
import {
  configurationResult,
  systemCpuPercent,
  type ConfigurationResult,
  type IdleResult,
  type OfferedLoadResult,
  type SlotAnatomyResult,
} from './report';
import { latencyTimeline } from './latency-timeline';
import { slotAnatomy, startHopTrace, stopHopTrace } from './slot-anatomy';
import { figuresBetween, takeSnapshot, type Snapshot } from './snapshot';
import type { BenchTarget } from './target';
import { latenciesWithin, startClosedLoop, startOpenLoop, type Completions } from './workload';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ConfigurationRun {
  result: ConfigurationResult;
  offered: OfferedLoadResult | null;
  idle: IdleResult | null;
  anatomy: SlotAnatomyResult | null;
  /** pid -> process name, to match --cpu-prof files to processes. */
  pids: Map<number, string>;
}

export interface RunContext {
  args: BenchArgs;
  workDir: string;
  cpuProfileDir?: string;
  log: (line: string) => void;
}

const SETTLE_MS = 5_000;

/** The configuration running now, so an interrupted bench can stop it and drop its database. */
let current: BenchTarget | null = null;

export async function stopCurrentTarget(): Promise<void> {
  const target = current;
  current = null;
  await target?.stop();
}

/** Starts a configuration, measures it (idle, closed loop, offered load), and stops it. */
export async function runConfiguration(
  c: BenchConfiguration,
  ctx: RunContext,
): Promise<ConfigurationRun> {
  const { args } = ctx;
  ctx.log(`\n[${c.name}] starting: ${c.title}`);
  const startedAt = Date.now();
  const options = {
    basePort: args.basePort,
    workDir: ctx.workDir,
    cpuProfileDir: ctx.cpuProfileDir,
  };
  const target =
    c.kind === 'memory'
      ? await startMemoryTarget(c, options)
      : await startFleetTarget(c, { ...options, log: ctx.log });
  current = target;
  ctx.log(`[${c.name}] ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  const pids = new Map(
    target.processes().flatMap((p) => (p.pid === null ? [] : [[p.pid, p.name] as const])),
  );
  const pg = target.database ? await connect(target.database.url) : null;
  try {
    const isDefault = c.name === DEFAULT_FLEET_CONFIGURATION;
    const openLoop = isDefault || c.openLoop === true;
    const result = await measureClosedLoop(target, pg, ctx);
    const offered =
      openLoop && args.offeredPerSecond > 0 ? await measureOfferedLoad(target, pg, ctx) : null;
    const anatomy =
      openLoop && pg && args.offeredPerSecond > 0 && args.anatomySeconds > 0
        ? await measureSlotAnatomy(target, pg, ctx)
        : null;
    // Idle last: a role service reports itself unready after 15 s without a data-API answer,
    // and an idle consumer's long polls do not count as answers, so a fleet left idle first
    // would refuse the clients that follow.
    const idle = isDefault && args.idleSeconds > 0 ? await measureIdle(target, pg, ctx) : null;
    return { result, offered, idle, anatomy, pids };
  } finally {
    await pg?.end().catch(() => undefined);
    current = null;
    await target.stop();
  }
}

async function measureIdle(
  target: BenchTarget,
  pg: Client | null,
  ctx: RunContext,
): Promise<IdleResult> {
  await sleep(SETTLE_MS);
  const a = await takeSnapshot(target, pg);
  await waitWithProgress(
    `[${target.configuration.name}] idle`,
    ctx.args.idleSeconds,
    () => 'no clients',
  );
  const f = figuresBetween(a, await takeSnapshot(target, pg));
  const g = f.cpuPercentByGroup;
  return {
    configuration: target.configuration.name,
    seconds: f.seconds,
    fleetCpuPercent: g.roles + g.dataApi,
    withPostgresCpuPercent: g.roles + g.dataApi + g.postgres,
    cpuPercent: f.cpuPercent,
    apiRequestsPerSecond: f.apiRequestsPerSecond,
    commitsPerSecond: f.commitsPerSecond,
  };
}

async function measureClosedLoop(
  target: BenchTarget,
  pg: Client | null,
  ctx: RunContext,
): Promise<ConfigurationResult> {
  const { args } = ctx;
  const c = target.configuration;
  const load = startClosedLoop({
    clients: args.clients,
    keys: args.keys,
    readRatio: args.readRatio,
    replicaUrls: entryReplicas(target, args),
  });
  const window = await measureWindow(
    target,
    pg,
    ctx,
    `[${c.name}] ${args.clients} clients`,
    load.completions,
    true,
  );
  ctx.log(`[${c.name}] stopping clients (commands in flight finish first)`);
  await load.stop();
  const latencies = latenciesWithin(load.completions, window.fromMs, window.toMs);
  return configurationResult(
    { name: c.name, title: c.title, kind: c.kind, durable: c.durable, clients: args.clients },
    figuresBetween(window.a, window.b),
    latencies.length,
    summarize(latencies),
    load.completions.unanswered,
  );
}

async function measureOfferedLoad(
  target: BenchTarget,
  pg: Client | null,
  ctx: RunContext,
): Promise<OfferedLoadResult> {
  const { args } = ctx;
  const c = target.configuration;
  const load = startOfferedLoad(target, args);
  const window = await measureWindow(
    target,
    pg,
    ctx,
    `[${c.name}] ${args.offeredPerSecond}/s offered`,
    load.completions,
  );
  await load.stop();
  const latencies = latenciesWithin(load.completions, window.fromMs, window.toMs);
  const f = figuresBetween(window.a, window.b);
  const latencyMs = summarize(latencies);
  const timeline = latencyTimeline(load.completions, window.fromMs, window.toMs);
  const slow = timeline.filter((s) => s.p50Ms > 2 * latencyMs.p50);
  ctx.log(
    `[${c.name}] ${slow.length} of ${timeline.length} quarter-seconds had a median over twice the run's` +
      (slow.length > 0 ? ` (worst: ${Math.max(...slow.map((s) => s.p50Ms)).toFixed(0)} ms)` : ''),
  );
  return {
    configuration: c.name,
    offeredPerSecond: args.offeredPerSecond,
    achievedPerSecond: latencies.length / f.seconds,
    latencyMs,
    unanswered: load.completions.unanswered,
    cpuPercentTotal: systemCpuPercent(f),
    cpuPercentByGroup: f.cpuPercentByGroup,
    commandsPerSlot: f.slots.commandsPerSlot,
    timeline,
  };
}

/**
 * The offered load again, this time with every acknowledged phase-2 message traced (a trigger
 * on the bench database; slot-anatomy.ts), to show where a slot's time goes.
 */
async function measureSlotAnatomy(
  target: BenchTarget,
  pg: Client,
  ctx: RunContext,
): Promise<SlotAnatomyResult> {
  const { args } = ctx;
  const c = target.configuration;
  const load = startOfferedLoad(target, args);
  const label = `[${c.name}] ${args.offeredPerSecond}/s offered, traced`;
  const acknowledged = () => `${load.completions.atMs.length} acknowledged`;
  let traced;
  try {
    await waitWithProgress(`${label} warm-up`, args.warmupSeconds, acknowledged);
    await startHopTrace(pg, DEFAULT_LEASE_MS);
    await waitWithProgress(label, args.anatomySeconds, acknowledged);
    traced = await stopHopTrace(pg);
  } finally {
    // A failed trace must not leave clients issuing commands into the next measurement.
    await load.stop();
  }
  return {
    configuration: c.name,
    offeredPerSecond: args.offeredPerSecond,
    seconds: args.anatomySeconds,
    ...slotAnatomy(traced, target.roles.filter((r) => r.kind === 'acceptor').length),
  };
}

/** Warm-up, then the measured window between two snapshots (wall-clock bounds for latencies). */
async function measureWindow(
  target: BenchTarget,
  pg: Client | null,
  ctx: RunContext,
  label: string,
  completions: Completions,
  profile = false,
): Promise<{ a: Snapshot; b: Snapshot; fromMs: number; toMs: number }> {
  await waitWithProgress(
    `${label} warm-up`,
    ctx.args.warmupSeconds,
    () => `${completions.atMs.length} acknowledged`,
  );
  const fromMs = wallClock();
  const a = await takeSnapshot(target, pg);
  const before = completions.atMs.length;
  if (profile && ctx.cpuProfileDir) signalProfilers(target);
  await waitWithProgress(label, ctx.args.seconds, (elapsedSeconds) => {
    const n = completions.atMs.length - before;
    return `${n} acknowledged, ${(n / Math.max(elapsedSeconds, 0.001)).toFixed(0)}/s`;
  });
  if (profile && ctx.cpuProfileDir) signalProfilers(target);
  const b = await takeSnapshot(target, pg);
  return { a, b, fromMs, toMs: wallClock() };
}

async function waitWithProgress(
  label: string,
  seconds: number,
  detail: (elapsedSeconds: number) => string,
): Promise<void> {
  if (seconds <= 0) return;
  const progress = new Progress(label);
  const start = Date.now();
  for (;;) {
    const elapsed = (Date.now() - start) / 1000;
    progress.update(elapsed / seconds, detail(elapsed));
    if (elapsed >= seconds) break;
    await sleep(Math.min(1_000, (seconds - elapsed) * 1000));
  }
  progress.done();
}

/** Open-loop clients at the offered rate (`--offered`). */
function startOfferedLoad(target: BenchTarget, args: BenchArgs) {
  return startOpenLoop({
    perSecond: args.offeredPerSecond,
    keys: args.keys,
    readRatio: args.readRatio,
    replicaUrls: entryReplicas(target, args),
  });
}

function entryReplicas(target: BenchTarget, args: BenchArgs): string[] {
  return args.entryReplicas > 0
    ? target.replicaUrls.slice(0, args.entryReplicas)
    : target.replicaUrls;
}

/** Starts, or stops and writes, the profile of every process (probes/cpu-profile.mjs). */
function signalProfilers(target: BenchTarget): void {
  for (const p of target.processes()) {
    if (p.pid !== null) process.kill(p.pid, 'SIGUSR2');
  }
}

function summarize(latencies: number[]): { p50: number; p99: number; max: number } {
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length === 0 ? 0 : latencies.reduce((m, x) => (x > m ? x : m), 0),
  };
}
