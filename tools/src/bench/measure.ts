import type { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { Progress } from '../workload/progress';
import type { BenchArgs } from './args';
import type { IdleResult } from './report';
import { figuresBetween, takeSnapshot, type Snapshot } from './snapshot';
import type { BenchTarget } from './target';
import type { Completions } from './workload';

/** The measurement steps every configuration shares: warm-up, measured window, idle. */

export interface RunContext {
  args: BenchArgs;
  workDir: string;
  cpuProfileDir?: string;
  log: (line: string) => void;
}

const SETTLE_MS = 5_000;

/**
 * Warm-up, then the measured window between two snapshots. fromMs..toMs are the wall-clock
 * instants the two snapshots read their CPU counters, so the commands counted in the window and
 * the CPU they cost cover the same interval (a snapshot takes tens of milliseconds under load).
 */
export async function measureWindow(
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
  const a = await takeSnapshot(target, pg);
  const before = completions.atMs.length;
  if (profile && ctx.cpuProfileDir) signalProfilers(target);
  await waitWithProgress(label, ctx.args.seconds, (elapsedSeconds) => {
    const n = completions.atMs.length - before;
    return `${n} acknowledged, ${(n / Math.max(elapsedSeconds, 0.001)).toFixed(0)}/s`;
  });
  if (profile && ctx.cpuProfileDir) signalProfilers(target);
  const b = await takeSnapshot(target, pg);
  return { a, b, fromMs: wallClockOf(a), toMs: wallClockOf(b) };
}

/** A snapshot's instant on the clock completions are stamped with (workload's wallClock). */
const wallClockOf = (s: Snapshot): number => performance.timeOrigin + s.atMs;

/** The idle target after a settling pause: its CPU with no clients at all. */
export async function measureIdle(
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

export async function waitWithProgress(
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

/** Starts, or stops and writes, the profile of every process (probes/cpu-profile.mjs). */
function signalProfilers(target: BenchTarget): void {
  for (const p of target.processes()) {
    if (p.pid !== null) process.kill(p.pid, 'SIGUSR2');
  }
}
