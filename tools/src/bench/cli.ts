/**
 * `npm run bench`: the same closed-loop key-value workload against several configurations
 * of the fleet, one after the other in one invocation (the original design's baseline always
 * among them), plus the idle fleet's CPU and an open-loop run at a fixed offered load on the
 * default configuration. Prints tables, writes JSON (test-results/bench.json by default).
 * Every configuration gets a fresh database and is stopped before the next one starts.
 */
import 'dotenv/config';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/topology';
import { parseBenchArgs, UsageError, USAGE, type BenchArgs } from './args';
import { configurationNamed, DEFAULT_FLEET_CONFIGURATION } from './configurations';
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
  targetChecks,
  targetsTable,
  type Table,
} from './report-tables';
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
  log(
    `bench: ${args.configs.join(', ')}; ${args.clients} clients, ${args.seconds} s each after ${args.warmupSeconds} s warm-up, ${args.keys} keys, read ratio ${args.readRatio}`,
  );
  const results: ConfigurationResult[] = [];
  const offered: OfferedLoadResult[] = [];
  const idle: IdleResult[] = [];
  const anatomies: SlotAnatomyResult[] = [];
  const profiles: Record<string, unknown> = {};
  for (const name of args.configs) {
    const configuration = configurationNamed(name);
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
  const rated = withRatios(results);
  const tables: Table[] = [
    headlineTable(rated),
    perCommandTable(rated),
    cpuTable(rated),
    rolesTable(rated),
    ...(offered.length > 0 ? [offeredTable(offered)] : []),
    ...anatomies.map(anatomyTable),
    ...(idle.length > 0 ? [idleTable(idle)] : []),
    targetsTable(targetChecks(rated, offered, idle, DEFAULT_FLEET_CONFIGURATION)),
  ];
  console.log('');
  for (const t of tables) console.log(`${t.title}\n${formatTable(t.headers, t.rows)}\n`);
  console.log('Configurations:');
  for (const r of rated) console.log(`  ${r.name}: ${r.title}`);
  const jsonFile = path.resolve(REPO_ROOT, args.jsonFile);
  mkdirSync(path.dirname(jsonFile), { recursive: true });
  writeFileSync(
    jsonFile,
    `${JSON.stringify(
      {
        finishedAt: new Date().toISOString(),
        machine: { cpus: os.cpus().length, node: process.version, platform: os.platform() },
        args,
        results: rated,
        offered,
        idle,
        slotAnatomy: anatomies,
        targets: targetChecks(rated, offered, idle, DEFAULT_FLEET_CONFIGURATION),
        profiles,
      },
      null,
      2,
    )}\n`,
  );
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
