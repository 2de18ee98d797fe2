import type { BenchConfiguration } from './configurations';
import type { TimelineSlice } from './latency-timeline';
import type { SlotAnatomy } from './slot-anatomy';
import type { WindowFigures } from './snapshot';

/** One configuration's closed-loop result, as the JSON report carries it. */
export interface ConfigurationResult extends WindowFigures {
  name: string;
  title: string;
  kind: BenchConfiguration['kind'];
  durable: boolean;
  clients: number;
  commandsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  unanswered: number;
  /** Roles + data API + the bench database's backends: the system under test. */
  cpuPercentTotal: number;
  perCommand: {
    messages: number;
    apiRequests: number | null;
    commits: number | null;
    cpuMs: number;
  };
  /** This configuration's figure divided by the baseline's, measured in the same run. */
  ratioToBaseline: {
    commandsPerSecond: number | null;
    messagesPerSecond: number | null;
    p99LatencyMs: number | null;
  };
}

export interface OfferedLoadResult {
  configuration: string;
  offeredPerSecond: number;
  achievedPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  unanswered: number;
  cpuPercentTotal: number;
  /** Where the CPU went: roles, data API, postgres, the bench client. */
  cpuPercentByGroup: WindowFigures['cpuPercentByGroup'];
  /** Mean commands a decided slot carried. */
  commandsPerSlot: number | null;
  /** Latency by quarter-second of due time: where the tail comes from. */
  timeline: TimelineSlice[];
}

/** The traced run at the offered load: where a slot's time goes (slot-anatomy.ts). */
export interface SlotAnatomyResult extends SlotAnatomy {
  configuration: string;
  offeredPerSecond: number;
  seconds: number;
}

export interface IdleResult {
  configuration: string;
  seconds: number;
  /** Role services and the data API. */
  fleetCpuPercent: number;
  /** The same plus the bench database's PostgreSQL backends. */
  withPostgresCpuPercent: number;
  cpuPercent: Record<string, number>;
  apiRequestsPerSecond: number | null;
  commitsPerSecond: number | null;
}

/** The system under test's CPU: everything but the bench client and the server-wide processes. */
export function systemCpuPercent(f: WindowFigures): number {
  const g = f.cpuPercentByGroup;
  return g.roles + g.dataApi + g.postgres;
}

export function ratio(value: number | null, baseline: number | null): number | null {
  if (value === null || baseline === null || baseline === 0) return null;
  return value / baseline;
}

/** Builds a configuration's result from its window figures and latencies. */
export function configurationResult(
  c: Pick<ConfigurationResult, 'name' | 'title' | 'kind' | 'durable' | 'clients'>,
  figures: WindowFigures,
  commands: number,
  latenciesMs: { p50: number; p99: number; max: number },
  unanswered: number,
): ConfigurationResult {
  const cps = commands / figures.seconds;
  const total = systemCpuPercent(figures);
  const perCommand = (rate: number | null): number | null =>
    rate === null || cps === 0 ? null : rate / cps;
  return {
    ...c,
    seconds: figures.seconds,
    commandsPerSecond: cps,
    latencyMs: latenciesMs,
    unanswered,
    messagesPerSecond: figures.messagesPerSecond,
    apiRequestsPerSecond: figures.apiRequestsPerSecond,
    commitsPerSecond: figures.commitsPerSecond,
    walBytesPerSecond: figures.walBytesPerSecond,
    walSyncsPerSecond: figures.walSyncsPerSecond,
    cpuPercent: figures.cpuPercent,
    cpuPercentByGroup: figures.cpuPercentByGroup,
    cpuPercentTotal: total,
    roles: figures.roles,
    slots: figures.slots,
    perCommand: {
      messages: perCommand(figures.messagesPerSecond) ?? 0,
      apiRequests: perCommand(figures.apiRequestsPerSecond),
      commits: perCommand(figures.commitsPerSecond),
      // percent of a core per (command/s) = 10 ms of CPU per command per 1 %.
      cpuMs: cps === 0 ? 0 : (total * 10) / cps,
    },
    ratioToBaseline: { commandsPerSecond: null, messagesPerSecond: null, p99LatencyMs: null },
  };
}

/** Fills every result's ratios against the result named `baseline`. */
export function withRatios(
  results: ConfigurationResult[],
  baseline = 'baseline',
): ConfigurationResult[] {
  const b = results.find((r) => r.name === baseline);
  return results.map((r) => ({
    ...r,
    ratioToBaseline: {
      commandsPerSecond: b ? ratio(r.commandsPerSecond, b.commandsPerSecond) : null,
      messagesPerSecond: b ? ratio(r.messagesPerSecond, b.messagesPerSecond) : null,
      p99LatencyMs: b ? ratio(r.latencyMs.p99, b.latencyMs.p99) : null,
    },
  }));
}
