import { DEFAULT_LEASE_MS } from '@paxos/runtime';
import type { Client } from 'pg';
import type { BenchArgs } from './args';
import { connect } from './bench-database';
import { trackTarget } from './current-target';
import { DEFAULT_FLEET_CONFIGURATION, type BenchConfiguration } from './configurations';
import { fleetRunners } from './fleet-runner';
import { startFleetTarget } from './fleet-target';
import { summarize } from './latency-summary';
import { measureIdle, measureWindow, waitWithProgress, type RunContext } from './measure';
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
import { figuresBetween } from './snapshot';
import type { BenchTarget } from './target';
import { latenciesWithin, startClosedLoop, startOpenLoop } from './workload';

export type { RunContext } from './measure';

export interface ConfigurationRun {
  result: ConfigurationResult;
  offered: OfferedLoadResult | null;
  idle: IdleResult | null;
  anatomy: SlotAnatomyResult | null;
  /** pid -> process name, to match --cpu-prof files to processes. */
  pids: Map<number, string>;
}

export { stopCurrentTarget } from './current-target';

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
  trackTarget(target);
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
    trackTarget(null);
    await target.stop();
  }
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
    runners: fleetRunners(entryReplicas(target, args)),
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

/** Open-loop clients at the offered rate (`--offered`). */
function startOfferedLoad(target: BenchTarget, args: BenchArgs) {
  return startOpenLoop({
    perSecond: args.offeredPerSecond,
    keys: args.keys,
    readRatio: args.readRatio,
    runners: fleetRunners(entryReplicas(target, args)),
  });
}

function entryReplicas(target: BenchTarget, args: BenchArgs): string[] {
  return args.entryReplicas > 0
    ? target.replicaUrls.slice(0, args.entryReplicas)
    : target.replicaUrls;
}
