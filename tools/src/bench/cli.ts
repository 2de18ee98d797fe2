/**
 * `npm run bench`: the same closed-loop key-value workload against several configurations
 * of the fleet, one after the other in one invocation (the original design's baseline always
 * among them), plus the idle fleet's CPU and an open-loop run at a fixed offered load on the
 * default configuration, then the comparison with etcd (its loads on etcd and on the default
 * fleet) when an etcd binary is on the PATH. Prints tables and the targets, writes JSON
 * (test-results/bench.json by default). Every configuration gets a fresh database and is
 * stopped before the next one starts. `--vs-etcd` runs the comparison alone.
 */
import 'dotenv/config';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/topology';
import { parseBenchArgs, UsageError, USAGE, type BenchArgs } from './args';
import { ratiosTable, targetsTable, vsEtcdTable } from './comparison-tables';
import {
  configurationNamed,
  DEFAULT_FLEET_CONFIGURATION,
  ETCD_CONFIGURATION,
} from './configurations';
import { runEtcdComparison, type EtcdComparison } from './etcd-comparison';
import type { RunContext } from './measure';
import { evaluateTargets, targetMeasurements } from './performance-targets';
import { busiestOfEachKind, formatProcessProfile, processProfiles } from './profiles';
import {
  withRatios,
  type ConfigurationResult,
  type IdleResult,
  type OfferedLoadResult,
  type SlotAnatomyResult,
} from './report';
import {
  anatomyTable,
  cpuTable,
  headlineTable,
  idleTable,
  offeredTable,
  perCommandTable,
  rolesTable,
  type Table,
} from './report-tables';
import { haUnavailable } from '../ha/ha-available';
import { runConfiguration, stopCurrentTarget } from './run-configuration';
import { formatTable } from './table';
import { runWatchScenario } from './watch-scenario';

async function main(args: BenchArgs): Promise<void> {
  const workDir = path.join(REPO_ROOT, '.fleet', 'bench');
  rmSync(workDir, { recursive: true, force: true });
  const log = (line: string): void => console.error(line);
  if (args.watchScenario) {
    await runWatchScenario(args, { workDir, log });
    return;
  }
  if (args.vsEtcd) {
    await mainVsEtcd({ args, workDir, log });
    return;
  }
  const fleetConfigs = args.configs.filter((n) => n !== ETCD_CONFIGURATION.name);
  log(
    `bench: ${args.configs.join(', ')}; ${args.clients} clients, ${args.seconds} s each after ${args.warmupSeconds} s warm-up, ${args.keys} keys, read ratio ${args.readRatio}`,
  );
  const results: ConfigurationResult[] = [];
  const offered: OfferedLoadResult[] = [];
  const idle: IdleResult[] = [];
  const anatomies: SlotAnatomyResult[] = [];
  const profiles: Record<string, unknown> = {};
  for (const name of fleetConfigs) {
    const configuration = configurationNamed(name);
    const unavailable = configuration.database === 'ha' ? haUnavailable() : null;
    if (unavailable) {
      log(`[${name}] skipped: ${unavailable}`);
      continue;
    }
    const cpuProfileDir = args.cpuProfile ? path.join(workDir, 'cpu-profiles', name) : undefined;
    if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
    const run = await runConfiguration(configuration, { args, workDir, cpuProfileDir, log });
    results.push(run.result);
    if (run.offered) offered.push(run.offered);
    if (run.idle) idle.push(run.idle);
    if (run.anatomy) anatomies.push(run.anatomy);
    log(
      `[${name}] ${run.result.commandsPerSecond.toFixed(0)} commands/s, p99 ${run.result.latencyMs.p99.toFixed(1)} ms`,
    );
    if (cpuProfileDir) {
      const all = processProfiles(cpuProfileDir, run.pids, run.result.cpuPercent);
      profiles[name] = all;
      for (const p of busiestOfEachKind(all))
        log(`[${name}] profile of ${formatProcessProfile(p)}\n`);
    }
  }
  const comparison = args.configs.includes(ETCD_CONFIGURATION.name)
    ? await runEtcdComparison(
        { args, workDir, log },
        { measureIdle: false, fleetWithoutEtcd: false },
      )
    : null;
  const rated = withRatios(results);
  const defaultResult = rated.find((r) => r.name === DEFAULT_FLEET_CONFIGURATION);
  const defaultIdle = idle.find((i) => i.configuration === DEFAULT_FLEET_CONFIGURATION);
  const targets = evaluateTargets(
    targetMeasurements({
      vsBaseline: defaultResult?.ratioToBaseline.commandsPerSecond ?? null,
      idleCpuPercent: defaultIdle?.withPostgresCpuPercent ?? null,
      comparison,
    }),
  );
  printTables([
    headlineTable(rated),
    perCommandTable(rated),
    cpuTable(rated),
    rolesTable(rated),
    ...(offered.length > 0 ? [offeredTable(offered)] : []),
    ...anatomies.map(anatomyTable),
    ...(idle.length > 0 ? [idleTable(idle)] : []),
    ...(comparison ? comparisonTables(comparison) : []),
    targetsTable(targets),
  ]);
  console.log('Configurations:');
  for (const r of rated) console.log(`  ${r.name}: ${r.title}`);
  if (comparison) console.log(`  etcd: ${etcdLegend(comparison)}`);
  writeJsonReport(args, {
    results: rated,
    offered,
    idle,
    slotAnatomy: anatomies,
    ...(comparison ? comparisonJson(comparison) : {}),
    targets,
    profiles,
  });
}

/** `--vs-etcd`: the comparison's loads on etcd and on the default fleet, its ratios, the targets. */
async function mainVsEtcd(ctx: RunContext): Promise<void> {
  const { args, log } = ctx;
  log(
    `bench --vs-etcd: etcd and ${DEFAULT_FLEET_CONFIGURATION}; ${args.seconds} s per load after ${args.warmupSeconds} s warm-up, ${args.keys} keys`,
  );
  const comparison = await runEtcdComparison(ctx, { measureIdle: true, fleetWithoutEtcd: true });
  const idle = comparison.fleet.idle;
  const targets = evaluateTargets(
    targetMeasurements({
      vsBaseline: null,
      idleCpuPercent: idle?.withPostgresCpuPercent ?? null,
      comparison,
    }),
  );
  const idleRuns = [comparison.etcd.idle, idle].filter((i): i is IdleResult => i !== null);
  printTables([
    ...comparisonTables(comparison),
    ...(idleRuns.length > 0
      ? [idleTable(idleRuns, 'Idle (no clients; for etcd, "fleet CPU" is its three members)')]
      : []),
    targetsTable(targets),
  ]);
  console.log(`etcd: ${etcdLegend(comparison)}`);
  writeJsonReport(args, { ...comparisonJson(comparison), idle: idleRuns, targets });
}

function comparisonTables(c: EtcdComparison): Table[] {
  return c.etcd.skipped && c.fleet.loads.length === 0
    ? []
    : [vsEtcdTable(c), ...(c.ratios.length > 0 ? [ratiosTable(c.ratios)] : [])];
}

function etcdLegend(c: EtcdComparison): string {
  return c.etcd.skipped
    ? `skipped: ${c.etcd.skipped}`
    : `${ETCD_CONFIGURATION.title} (etcd ${c.etcd.version ?? 'of unknown version'}, ${c.etcd.binary})`;
}

/** bench.json's `etcd` (etcd's own results) and `vsEtcd` (the fleet's, and the ratios). */
function comparisonJson(c: EtcdComparison): Record<string, unknown> {
  return {
    etcd: c.etcd,
    vsEtcd: { configuration: c.fleet.configuration, fleet: c.fleet, ratios: c.ratios },
  };
}

function printTables(tables: Table[]): void {
  console.log('');
  for (const t of tables) console.log(`${t.title}\n${formatTable(t.headers, t.rows)}\n`);
}

function writeJsonReport(args: BenchArgs, body: Record<string, unknown>): void {
  const jsonFile = path.resolve(REPO_ROOT, args.jsonFile);
  mkdirSync(path.dirname(jsonFile), { recursive: true });
  const report = {
    finishedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: os.platform() },
    args,
    ...body,
  };
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON: ${path.relative(process.cwd(), jsonFile)}`);
}

let args: BenchArgs;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`bench: ${err.message}\n${USAGE}`);
  process.exit(2);
}
// Ctrl-C: the services get the signal too and stop; the bench database must be dropped here.
process.once('SIGINT', () => {
  console.error('\nbench: interrupted; stopping the running configuration');
  void stopCurrentTarget().finally(() => process.exit(130));
});
main(args).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
