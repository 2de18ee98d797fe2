import { COMPARISON_LOADS, type ComparisonLoadName } from './comparison-loads';
import type { LoadRatios, LoadResult } from './comparison-report';
import type { EtcdComparison } from './etcd-comparison';
import type { TargetResult } from './performance-targets';
import type { Table } from './report-tables';
import { fmt, fmtRatio } from './table';

const titleOf = (name: ComparisonLoadName): string =>
  COMPARISON_LOADS.find((l) => l.name === name)?.title ?? name;

/** Both systems' absolute figures, load by load (etcd first, the yardstick). */
export function vsEtcdTable(c: EtcdComparison): Table {
  const rows = COMPARISON_LOADS.flatMap((load) =>
    [...c.etcd.loads, ...c.fleet.loads]
      .filter((r) => r.load === load.name)
      .map((r: LoadResult) => [
        load.title,
        r.system,
        fmt(r.answeredPerSecond),
        fmt(r.latencyMs.p50, 1),
        fmt(r.latencyMs.p99, 1),
        fmt(r.latencyMs.max, 0),
        r.readLatencyMs ? fmt(r.readLatencyMs.p99, 1) : '-',
        fmt(r.unanswered),
        fmt(r.cpuPercentTotal),
        fmt(r.cpuMsPerCommand, 2),
        fmt(r.cpuPercentByGroup.client),
      ]),
  );
  return {
    title:
      'Fleet and etcd, same loads (open loops: latency from each command’s due time; CPU: etcd’s 3 processes, the fleet’s with its PostgreSQL backends)',
    headers: [
      'load',
      'system',
      'answered/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'read p99 ms',
      'unanswered',
      'CPU %',
      'CPU ms/cmd',
      'bench client %',
    ],
    rows,
  };
}

/** The fleet's figures as multiples of etcd's in the same run. */
export function ratiosTable(ratios: LoadRatios[]): Table {
  return {
    title: 'Fleet / etcd (same run)',
    headers: ['load', 'answered/s', 'p50', 'p99', 'read p99', 'CPU %', 'CPU per command'],
    rows: ratios.map((r) => [
      titleOf(r.load),
      fmtRatio(r.answeredPerSecond),
      fmtRatio(r.p50LatencyMs),
      fmtRatio(r.p99LatencyMs),
      fmtRatio(r.readP99LatencyMs),
      fmtRatio(r.cpuPercent),
      fmtRatio(r.cpuMsPerCommand),
    ]),
  };
}

/** Each target: what this run measured, its bound, and whether it holds. */
export function targetsTable(targets: TargetResult[]): Table {
  return {
    title: 'Targets',
    headers: ['target', 'measured', 'bound', 'met'],
    rows: targets.map((t) => [
      t.name,
      t.value === null ? '-' : formatValue(t.value, t.unit),
      `${t.comparison} ${formatValue(t.bound, t.unit)}`,
      (t.met === null ? '-' : t.met ? 'yes' : 'NO') + (t.note ? ` (${t.note})` : ''),
    ]),
  };
}

function formatValue(value: number, unit: string): string {
  if (unit.startsWith('x ')) return `${fmtRatio(value)} ${unit.slice(2)}`;
  return `${fmt(value, 2)} ${unit}`;
}
