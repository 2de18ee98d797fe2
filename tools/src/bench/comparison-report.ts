import type { ComparisonLoad, ComparisonLoadName } from './comparison-loads';
import { summarize, type LatencySummary } from './latency-summary';
import { ratio, systemCpuPercent } from './report';
import type { WindowFigures } from './snapshot';
import { latenciesWithin, type Completions } from './workload';

/** One system under one of the comparison's loads, over its measured window. */
export interface LoadResult {
  load: ComparisonLoadName;
  /** `etcd`, or the fleet configuration's name. */
  system: string;
  seconds: number;
  /** The commands answered in the window, per second of it. */
  answeredPerSecond: number;
  /** Every kind of command. */
  latencyMs: LatencySummary;
  /** Gets only; null when the load has none. */
  readLatencyMs: LatencySummary | null;
  /** Commands given up during the whole run of the load (warm-up included). */
  unanswered: number;
  /** The system under test: etcd's three processes, or the fleet with its PostgreSQL backends. */
  cpuPercentTotal: number;
  cpuPercentByGroup: WindowFigures['cpuPercentByGroup'];
  /** CPU per answered command, in ms. */
  cpuMsPerCommand: number | null;
}

/**
 * Builds a load's result: the commands answered in [fromMs, toMs) (the instants the window's
 * CPU readings were taken) over that same interval.
 */
export function loadResult(
  load: ComparisonLoad,
  system: string,
  figures: WindowFigures,
  completions: Completions,
  fromMs: number,
  toMs: number,
): LoadResult {
  const latencies = latenciesWithin(completions, fromMs, toMs);
  const reads = latenciesWithin(completions, fromMs, toMs, 'get');
  const seconds = (toMs - fromMs) / 1000;
  const answeredPerSecond = seconds > 0 ? latencies.length / seconds : 0;
  const cpuPercentTotal = systemCpuPercent(figures);
  return {
    load: load.name,
    system,
    seconds,
    answeredPerSecond,
    latencyMs: summarize(latencies),
    readLatencyMs: load.readRatio > 0 ? summarize(reads) : null,
    unanswered: completions.unanswered,
    cpuPercentTotal,
    cpuPercentByGroup: figures.cpuPercentByGroup,
    // percent of a core per (command/s) = 10 ms of CPU per command per 1 %.
    cpuMsPerCommand: answeredPerSecond > 0 ? (cpuPercentTotal * 10) / answeredPerSecond : null,
  };
}

/** The fleet's figures of one load divided by etcd's in the same run. */
export interface LoadRatios {
  load: ComparisonLoadName;
  answeredPerSecond: number | null;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
  readP99LatencyMs: number | null;
  cpuPercent: number | null;
  cpuMsPerCommand: number | null;
}

/** Ratios for every load both systems ran. */
export function ratiosToEtcd(fleet: LoadResult[], etcd: LoadResult[]): LoadRatios[] {
  return fleet.flatMap((f) => {
    const e = etcd.find((x) => x.load === f.load);
    if (!e) return [];
    return [
      {
        load: f.load,
        answeredPerSecond: ratio(f.answeredPerSecond, e.answeredPerSecond),
        p50LatencyMs: ratio(f.latencyMs.p50, e.latencyMs.p50),
        p99LatencyMs: ratio(f.latencyMs.p99, e.latencyMs.p99),
        readP99LatencyMs: ratio(f.readLatencyMs?.p99 ?? null, e.readLatencyMs?.p99 ?? null),
        cpuPercent: ratio(f.cpuPercentTotal, e.cpuPercentTotal),
        cpuMsPerCommand: ratio(f.cpuMsPerCommand, e.cpuMsPerCommand),
      },
    ];
  });
}
