import { comparisonLoadNamed, type ComparisonLoadName } from './comparison-loads';
import type { LoadRatios, LoadResult } from './comparison-report';

/**
 * The performance targets (issue 19) and every bound they set, in one place. Most are ratios
 * to etcd measured in the same run on the same machine; two are the fleet's own (against the
 * baseline of the same run, and its idle CPU).
 */

export type Comparison = '<=' | '>=' | '<';

export interface TargetDefinition {
  name: string;
  comparison: Comparison;
  bound: number;
  unit: string;
  /** The measured figure, or null when what it needs was not run. */
  value: (m: TargetMeasurements) => number | null;
  /** An open-loop load whose offered rate both systems must have answered for the target to count. */
  offeredLoad?: ComparisonLoadName;
}

/** What the targets are evaluated on. */
export interface TargetMeasurements {
  /** Fleet / etcd per load; empty when etcd was not run. */
  ratios: LoadRatios[];
  /** Each system's own results of the comparison's loads. */
  fleetLoads: LoadResult[];
  etcdLoads: LoadResult[];
  /** The default fleet's closed-loop throughput over the baseline's; null when not run. */
  vsBaseline: number | null;
  /** The idle fleet with its PostgreSQL backends, % of one core; null when not run. */
  idleCpuPercent: number | null;
}

/**
 * An open loop whose answers fell short of its offered rate was not carrying that load: the
 * fleet's latency then cannot meet a target, whatever it reads, and etcd's is no yardstick.
 */
export const MIN_ANSWERED_FRACTION_OF_OFFERED = 0.95;

const ratioOf =
  (load: ComparisonLoadName, figure: Exclude<keyof LoadRatios, 'load'>) =>
  (m: TargetMeasurements): number | null =>
    m.ratios.find((r) => r.load === load)?.[figure] ?? null;

export const TARGETS: readonly TargetDefinition[] = [
  {
    name: '100 puts/s offered: p99 latency vs etcd',
    comparison: '<=',
    bound: 3,
    unit: 'x etcd',
    value: ratioOf('offered-100', 'p99LatencyMs'),
    offeredLoad: 'offered-100',
  },
  {
    name: '100 puts/s offered: CPU per put vs etcd',
    comparison: '<=',
    bound: 1.5,
    unit: 'x etcd',
    value: ratioOf('offered-100', 'cpuMsPerCommand'),
  },
  {
    name: '1,000 puts/s offered: p99 latency vs etcd',
    comparison: '<=',
    bound: 3,
    unit: 'x etcd',
    value: ratioOf('offered-1000', 'p99LatencyMs'),
    offeredLoad: 'offered-1000',
  },
  {
    name: '512 closed-loop clients: throughput vs etcd',
    comparison: '>=',
    bound: 1.2,
    unit: 'x etcd',
    value: ratioOf('clients-512', 'answeredPerSecond'),
  },
  {
    name: '64 closed-loop clients: throughput vs etcd',
    comparison: '>=',
    bound: 0.8,
    unit: 'x etcd',
    value: ratioOf('clients-64', 'answeredPerSecond'),
  },
  {
    name: '1,000 linearizable reads/s offered: read p99 vs etcd',
    comparison: '<=',
    bound: 2,
    unit: 'x etcd',
    value: ratioOf('reads-1000', 'readP99LatencyMs'),
    offeredLoad: 'reads-1000',
  },
  {
    name: '512 closed-loop clients: throughput vs the baseline',
    comparison: '>=',
    bound: 20,
    unit: 'x baseline',
    value: (m) => m.vsBaseline,
  },
  {
    name: 'idle fleet CPU (with its PostgreSQL backends)',
    comparison: '<',
    bound: 2,
    unit: '% of one core',
    value: (m) => m.idleCpuPercent,
  },
];

/** One target as the report and bench.json carry it. */
export interface TargetResult {
  name: string;
  value: number | null;
  bound: number;
  comparison: Comparison;
  unit: string;
  /** null: not measured in this run. */
  met: boolean | null;
  note?: string;
}

export function holds(value: number, comparison: Comparison, bound: number): boolean {
  switch (comparison) {
    case '<=':
      return value <= bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
  }
}

export function evaluateTargets(
  m: TargetMeasurements,
  targets: readonly TargetDefinition[] = TARGETS,
): TargetResult[] {
  return targets.map((t) => {
    const value = t.value(m);
    const base = { name: t.name, value, bound: t.bound, comparison: t.comparison, unit: t.unit };
    if (value === null) return { ...base, met: null, note: 'not measured in this run' };
    if (t.offeredLoad) {
      const fleetShort = answeredShortfall('the fleet', m.fleetLoads, t.offeredLoad);
      if (fleetShort) return { ...base, met: false, note: fleetShort };
      const etcdShort = answeredShortfall('etcd', m.etcdLoads, t.offeredLoad);
      if (etcdShort) return { ...base, met: null, note: `${etcdShort}: no yardstick` };
    }
    return { ...base, met: holds(value, t.comparison, t.bound) };
  });
}

/** Why a system's run of an open-loop load does not count, or null when it does. */
function answeredShortfall(
  system: string,
  runs: LoadResult[],
  name: ComparisonLoadName,
): string | null {
  const load = comparisonLoadNamed(name);
  const run = runs.find((r) => r.load === name);
  if (load.loop !== 'open' || !run) return null;
  const fraction = run.answeredPerSecond / load.perSecond;
  return fraction < MIN_ANSWERED_FRACTION_OF_OFFERED
    ? `${system} answered ${run.answeredPerSecond.toFixed(0)} of ${load.perSecond} commands/s offered`
    : null;
}

/** The measurements the targets need, from whatever parts of the bench ran. */
export function targetMeasurements(o: {
  /** The default fleet's closed-loop ratio to the baseline, when both ran. */
  vsBaseline: number | null;
  /** The default fleet's idle CPU with its PostgreSQL backends, when measured. */
  idleCpuPercent: number | null;
  /** The comparison with etcd, when it ran. */
  comparison: {
    fleet: { loads: LoadResult[] };
    etcd: { loads: LoadResult[] };
    ratios: LoadRatios[];
  } | null;
}): TargetMeasurements {
  return {
    ratios: o.comparison?.ratios ?? [],
    fleetLoads: o.comparison?.fleet.loads ?? [],
    etcdLoads: o.comparison?.etcd.loads ?? [],
    vsBaseline: o.vsBaseline,
    idleCpuPercent: o.idleCpuPercent,
  };
}
