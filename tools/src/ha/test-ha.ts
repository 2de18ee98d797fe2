/**
 * `npm run test:ha [-- --rounds N --clients N --seed N --broken single-url]`
 *
 * The fleet on the highly available PostgreSQL, under load, through machine losses: etcd and
 * three Patroni nodes (tools/src/ha), the fleet's data API following the primary
 * (DATABASE_URLS), and the chaos tool's clients (get/put/cas, a history recorded). Each round
 * SIGKILLs the primary together with its Patroni, waits for a standby to be promoted and the
 * writes to resume, starts the lost node again and waits until it follows as a standby and a
 * synchronous standby streams; only then the next round. After the rounds, the synchronous
 * standby's machine is lost instead (standby-loss-round.ts): the pause until the primary names
 * the other standby is printed. At the end it checks that no
 * acknowledged write was lost, that the history is linearizable and that the replicas reach
 * the same digest. It prints each failover's write outage; the last line is
 * `failovers: N, acknowledged: N, lost: 0, linearizable: true`. Everything it starts is
 * stopped at the end, whatever the outcome (its logs stay in $FLEET_DIR/ha-test).
 * `--broken single-url` gives the data API the first primary's URL alone (DATABASE_URL, as
 * before this cluster existed): the run must fail, the writes never resuming after the kill.
 */
import 'dotenv/config';
import { writeHistoryFile } from '@paxos/sim/src/linearizability';
import { Prng } from '@paxos/sim/src/random/prng';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { waitReplicasConverge } from '../chaos/convergence';
import { CHAOS_ROLE_ENV } from '../chaos/rig';
import { chaosKeys, chaosOp } from '../chaos/workload';
import { Fleet } from '../fleet/fleet';
import { defaultFleetOptions } from '../fleet/topology';
import { runClients, wallClock } from '../workload/run-clients';
import { formatMs, percentile } from '../workload/stats';
import { replicasLine, verifyRun } from '../workload/verify-run';
import { commitRetries } from './commit-retries';
import { failoverRound, seconds, type FailoverResult } from './failover-round';
import { HA_DATABASE } from './fleet-database';
import { HaCluster } from './ha-cluster';
import { databaseUrls, nodeUrl } from './layout';
import { primaryOf, readCluster } from './patroni-rest';
import { standbyLossRound, type StandbyLossResult } from './standby-loss-round';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    clients: { type: 'string', default: '6' },
    keys: { type: 'string', default: '4' },
    seed: { type: 'string' },
    broken: { type: 'string' },
  },
});
if (args.broken !== undefined && args.broken !== 'single-url') {
  console.error(`--broken: unknown configuration "${args.broken}"; the one there is: single-url`);
  process.exit(2);
}
const broken = args.broken === 'single-url';
const rounds = Number(args.rounds);
const clientCount = Number(args.clients);
const sharedKeys = Number(args.keys);
const seed = args.seed !== undefined ? Number(args.seed) : Date.now() % 1_000_000;

/** Load before the first kill and after the last rejoin. */
const STEADY_MS = 8_000;
/** How long a lost machine stays down once the writes resumed without it. */
const DOWN_MS = 5_000;

const options = defaultFleetOptions();
const root = path.join(options.workDir, 'ha-test');
/**
 * The database nodes' folders: under the system's temporary folder, which the postgres user
 * can always reach, wherever the checkout is (a clone in a private folder would not do).
 */
const haRoot = process.env.HA_TEST_DIR || path.join(os.tmpdir(), 'paxos-ha-test');
const cluster = new HaCluster(haRoot);
let fleet: Fleet | null = null;
const failovers: FailoverResult[] = [];
let standbyLoss: StandbyLossResult | null = null;

async function main(): Promise<boolean> {
  if (options.neureloApiBase)
    throw new Error('test:ha needs the local data API: unset NEURELO_API_BASE');
  // A run interrupted before its end may have left its cluster up: stop it before wiping it.
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(haRoot, { recursive: true, force: true });
  const t0 = wallClock();
  const at = (ms: number): string => `t+${((ms - t0) / 1000).toFixed(1)}s`;
  const log = (line: string): void => console.log(line);
  log(
    `test:ha: seed ${seed}, ${rounds} failovers, ${clientCount} clients${broken ? ', BROKEN configuration single-url' : ''}; logs in ${root}, the database nodes in ${haRoot}`,
  );

  await cluster.start();
  await cluster.ensureDatabase(HA_DATABASE);
  log(`${at(wallClock())} HA PostgreSQL up: ${await cluster.describe()}`);

  options.workDir = path.join(root, 'fleet');
  options.databaseUrl = undefined;
  options.databaseUrls = databaseUrls(cluster.layout, HA_DATABASE);
  if (broken) {
    const first = primaryOf(await readCluster(cluster.restPorts));
    options.databaseUrl = nodeUrl(cluster.node(first?.name ?? 'pg-0'), HA_DATABASE);
    options.databaseUrls = undefined;
  }
  options.roleEnv = { ...CHAOS_ROLE_ENV };
  const f = new Fleet(options);
  fleet = f;
  const exits: string[] = [];
  // As a container's restart policy would; a process that exits by itself fails the run.
  f.onUnexpectedExit = (name, code, signal) => {
    exits.push(`${name} (code ${code ?? '-'}, signal ${signal ?? '-'}) at ${at(wallClock())}`);
    setTimeout(() => f.start(name), 1_000).unref();
  };
  await f.up(90_000);
  const how = broken ? 'on the first primary alone: BROKEN' : 'following the primary';
  log(`${at(wallClock())} fleet up (data API ${how}); load starts`);

  const workload = new Prng(seed);
  const random = (): number => workload.nextFloat();
  const replicaUrls = f.named('replica').map((s) => `http://127.0.0.1:${s.port}`);
  const acknowledgedAt: number[] = [];
  let stop = false;
  const load = runClients({
    clients: clientCount,
    replicaUrls,
    // A failover stalls every command for its length: give each one room for it.
    commandDeadlineMs: 45_000,
    attemptTimeoutMs: 5_000,
    nextOp: chaosOp(random, { clients: clientCount, sharedKeys }),
    pickReplica: () => Math.floor(random() * replicaUrls.length),
    shouldStop: () => stop,
    onAcknowledged: (_latencyMs, when) => acknowledgedAt.push(when),
  });

  try {
    await sleep(STEADY_MS);
    for (let round = 1; round <= rounds; round++) {
      log(`${at(wallClock())} failover ${round}: a machine loss`);
      failovers.push(
        await failoverRound({
          cluster,
          acknowledgedAt: () => acknowledgedAt,
          clock: wallClock,
          downMs: DOWN_MS,
          log: (line) => log(`${at(wallClock())} ${line}`),
        }),
      );
    }
    if (rounds > 0) {
      log(`${at(wallClock())} the synchronous standby's machine lost (the primary untouched)`);
      standbyLoss = await standbyLossRound({
        cluster,
        acknowledgedAt: () => acknowledgedAt,
        clock: wallClock,
        downMs: DOWN_MS,
        log: (line) => log(`${at(wallClock())} ${line}`),
      });
    }
    await sleep(STEADY_MS);
  } finally {
    stop = true;
  }
  const run = await load;
  log(`${at(wallClock())} load stopped; waiting for the replicas to converge`);

  await f.waitReady(
    f.services.map((s) => s.name),
    90_000,
  );
  const { converged, views } = await waitReplicasConverge(f.named('replica'), 90_000);
  const retried = await commitRetries(
    f.services.filter((s) => s.kind !== 'neurelo').map((s) => s.port),
  );
  const verdict = await verifyRun({
    history: run.history,
    keys: chaosKeys({ clients: clientCount, sharedKeys }),
    ownedKey: (key) => key.startsWith('own-'),
    replicaUrls,
  });
  const historyFile = path.join(root, 'history.json');
  await writeHistoryFile(historyFile, verdict.history);
  writeFileSync(path.join(root, 'failovers.json'), `${JSON.stringify(failovers, null, 2)}\n`);

  for (const [i, r] of failovers.entries()) {
    log(
      `failover ${i + 1}: ${r.killed} lost at ${at(r.killedAtMs)}; ${r.promoted} promoted after ${seconds(r.promotedAfterMs)}; ` +
        `write outage ${seconds(r.outage.outageMs)} (nothing acknowledged from ${at(r.outage.fromMs)} to ${at(r.outage.toMs)}); ` +
        `${r.killed} rejoined as a standby ${seconds(r.rejoinedAfterMs)} after its restart`,
    );
  }
  if (standbyLoss) {
    const r = standbyLoss;
    log(
      `standby loss: ${r.killed} lost at ${at(r.killedAtMs)}; ${r.renamed} named synchronous after ${seconds(r.renamedAfterMs)}; ` +
        `write pause ${seconds(r.outage.outageMs)}; ${r.killed} streaming again ${seconds(r.rejoinedAfterMs)} after its restart`,
    );
  }
  log(
    `latency: p50 ${formatMs(percentile(run.latenciesMs, 50))}, p99 ${formatMs(percentile(run.latenciesMs, 99))}; ${run.unanswered} commands gave up (recorded as unknown)`,
  );
  log(`replicas: ${replicasLine(views)} -> ${converged ? 'converged' : 'NOT converged'}`);
  // Retries reach only roles that did not restart since: a count, not an exact total.
  log(
    `step commits retried across the failovers (outcome unknown or refused; safe because a step commit is idempotent): ${retried}`,
  );
  log(`history: ${verdict.history.length} operations in ${historyFile}`);
  const { lost, unread, linearizability: lin } = verdict;
  if (lost.length) log(`lost writes: ${JSON.stringify(lost.slice(0, 5))}`);
  if (unread.length) log(`keys that could not be read back: ${unread.join(', ')}`);
  if (lin.linearizable !== true)
    log(`linearizability: ${lin.linearizable} ${lin.explanation ?? ''}`);
  for (const e of exits) log(`exited by itself: ${e}`);
  log(
    `failovers: ${failovers.length}, acknowledged: ${run.acknowledged}, lost: ${lost.length + unread.length}, linearizable: ${lin.linearizable}`,
  );
  return (
    converged &&
    failovers.length === rounds &&
    (rounds === 0 || retried > 0) &&
    lost.length === 0 &&
    unread.length === 0 &&
    lin.linearizable === true &&
    exits.length === 0
  );
}

async function bringDown(): Promise<void> {
  await fleet?.down();
  await cluster.stop();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping the fleet and the HA PostgreSQL`);
    void bringDown().finally(() => process.exit(130));
  });
}

main().then(
  async (ok) => {
    await bringDown();
    process.exit(ok ? 0 : 1);
  },
  async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await bringDown().catch((e: unknown) => console.error(e));
    console.log(
      `failovers: ${failovers.length}, acknowledged: 0, lost: unknown, linearizable: false`,
    );
    process.exit(1);
  },
);
