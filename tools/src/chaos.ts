/**
 * `npm run chaos -- --seconds S [--history FILE] [--clients N] [--seed N] [--hostile N]`
 *
 * Concurrent clients issue get/put/cas on a small shared key set (and puts on keys of their
 * own) against random replicas, while a nemesis SIGKILLs and restarts random services:
 * every role and the local Neurelo server. Alongside them, `--hostile` clients (2 by default,
 * 0 for none) send the hostile inputs of issue 17 (workload/hostile-cases.ts) and check each
 * answer against the contract. Then the faults stop and it checks that every acknowledged
 * write is present, the replicas converge, and the history is linearizable.
 * Last lines: the hostile summary, then `acknowledged: N, lost: 0, linearizable: true`.
 */
import 'dotenv/config';
import {
  createScratchDatabase,
  dropScratchDatabase,
} from '@paxos/neurelo-local/src/db/scratch-database';
import { writeHistoryFile } from '@paxos/sim/src/linearizability';
import { Prng } from '@paxos/sim/src/random/prng';
import type { Op } from '@paxos/shared';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Fleet } from './fleet/fleet';
import { waitForConvergence } from './fleet/observe';
import { defaultFleetOptions } from './fleet/topology';
import { HostileTally, runHostileClient } from './workload/hostile-client';
import { unexpectedStatuses } from './workload/hostile-cases';
import { Progress } from './workload/progress';
import { runClients, sumStatuses, wallClock } from './workload/run-clients';
import { formatMs, percentile } from './workload/stats';
import { replicasLine, verifyRun } from './workload/verify-run';
import { setTimeout as sleep } from 'node:timers/promises';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    history: { type: 'string' },
    clients: { type: 'string', default: '6' },
    seed: { type: 'string' },
    keys: { type: 'string', default: '4' },
    hostile: { type: 'string', default: '2' },
  },
});
const seconds = positiveInt('seconds', args.seconds);
const clientCount = positiveInt('clients', args.clients);
const sharedKeys = positiveInt('keys', args.keys);
const hostileClients = positiveInt('hostile', args.hostile);
const seed = args.seed !== undefined ? positiveInt('seed', args.seed) : Date.now() % 1_000_000;

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, got ${raw}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<number> {
  const prng = new Prng(seed);
  const random = (): number => prng.nextFloat();
  const options = defaultFleetOptions();
  options.workDir = path.join(options.workDir, 'chaos');
  rmSync(options.workDir, { recursive: true, force: true });
  // The checks assume every key starts absent: on PostgreSQL, a database of this run's own
  // (PGlite starts empty in the work folder removed above).
  const adminUrl = options.databaseUrl;
  const scratchName = `paxos_chaos_${process.pid}`;
  if (adminUrl) options.databaseUrl = await createScratchDatabase(adminUrl, scratchName);
  // Shorter timeouts than production so failover fits in a short run.
  options.roleEnv = {
    LEADER_TIMEOUT_MS: '1500',
    LEADER_HEARTBEAT_MS: '500',
    REPLICA_RETRY_MS: '1500',
    LEADER_RETRANSMIT_MS: '1500',
    ...options.roleEnv,
  };
  const fleet = new Fleet(options);
  console.log(
    `chaos: seed ${seed}, ${seconds} s of faults, ${clientCount} clients, ${hostileClients} hostile, storage ${options.neureloApiBase ? 'hosted Neurelo' : options.databaseUrl ? 'PostgreSQL' : 'PGlite'}; logs in ${fleet.logDir}`,
  );
  try {
    await fleet.up(90_000);
    const replicaUrls = fleet.named('replica').map((s) => `http://127.0.0.1:${s.port}`);
    const t0 = wallClock();
    const faultsEndAt = t0 + seconds * 1000;
    const progress = new Progress('chaos');
    const faults: string[] = [];
    let acked = 0;

    const nemesis = (async () => {
      const victims = fleet.services.map((s) => s.name);
      while (wallClock() < faultsEndAt) {
        await sleep(1_500 + random() * 3_000);
        if (wallClock() >= faultsEndAt) break;
        const count = random() < 0.25 ? 2 : 1;
        const chosen = new Set<string>();
        while (chosen.size < count) chosen.add(victims[Math.floor(random() * victims.length)]!);
        for (const name of chosen) await fleet.kill(name);
        faults.push(`t+${((wallClock() - t0) / 1000).toFixed(1)}s kill ${[...chosen].join(' ')}`);
        await sleep(500 + random() * 3_000);
        for (const name of chosen) fleet.start(name);
      }
      for (const s of fleet.services) fleet.start(s.name);
    })();

    const hostile = Promise.all(
      Array.from({ length: hostileClients }, (_, index) =>
        runHostileClient({
          replicaUrls,
          index,
          shouldStop: () => wallClock() >= faultsEndAt,
          random,
          pauseMs: 300,
          commandDeadlineMs: 20_000,
          attemptTimeoutMs: 5_000,
        }),
      ),
    );
    const run = await runClients({
      clients: clientCount,
      replicaUrls,
      commandDeadlineMs: 20_000,
      attemptTimeoutMs: 5_000,
      nextOp: (i, n): Op => {
        const r = random();
        if (r < 0.35) return { kind: 'put', key: `own-${i}`, value: `c${i}-${n}` };
        const key = `k${Math.floor(random() * sharedKeys)}`;
        if (r < 0.6) return { kind: 'get', key };
        if (r < 0.8) return { kind: 'put', key, value: `c${i}-${n}` };
        const expected =
          random() < 0.3
            ? null
            : `c${Math.floor(random() * clientCount)}-${Math.floor(random() * (n + 1))}`;
        return { kind: 'cas', key, expected, value: `c${i}-${n}` };
      },
      shouldStop: () => wallClock() >= faultsEndAt,
      onAcknowledged: (_l, at) => {
        acked += 1;
        progress.update(
          (at - t0) / (faultsEndAt - t0),
          `${acked} acknowledged, ${faults.length} faults`,
        );
      },
    });
    await nemesis;
    const hostileRuns = await hostile;
    progress.done();
    console.log(`faults: ${faults.length}`);
    for (const f of faults) console.log(`  ${f}`);

    console.log('faults stopped; waiting for every service and for the replicas to converge');
    await fleet.waitReady(
      fleet.services.map((s) => s.name),
      90_000,
    );
    const { converged, views } = await waitForConvergence(fleet, 90_000);

    const keys = [
      ...Array.from({ length: clientCount }, (_, i) => `own-${i}`),
      ...Array.from({ length: sharedKeys }, (_, k) => `k${k}`),
    ];
    const verdict = await verifyRun({
      history: run.history,
      keys,
      ownedKey: (key) => key.startsWith('own-'),
      replicaUrls,
    });
    const { lost, unread, linearizability: lin } = verdict;
    if (args.history) {
      await writeHistoryFile(args.history, verdict.history);
      console.log(`history: ${verdict.history.length} operations written to ${args.history}`);
    }
    console.log(
      `latency: p50 ${formatMs(percentile(run.latenciesMs, 50))}, p99 ${formatMs(percentile(run.latenciesMs, 99))}; ${run.unanswered} commands gave up after retries (recorded as unknown)`,
    );
    console.log(`replicas: ${replicasLine(views)} -> ${converged ? 'converged' : 'NOT converged'}`);
    if (lost.length) console.log(`lost writes: ${JSON.stringify(lost.slice(0, 5))}`);
    if (unread.length) console.log(`keys that could not be read back: ${unread.join(', ')}`);
    if (lin.linearizable !== true)
      console.log(`linearizability: ${lin.linearizable} ${lin.explanation ?? ''}`);
    const hostileFailures = hostileVerdict(hostileRuns, run.statuses);
    const ok =
      converged &&
      lost.length === 0 &&
      unread.length === 0 &&
      lin.linearizable === true &&
      hostileFailures === 0;
    console.log(
      `acknowledged: ${run.acknowledged}, lost: ${lost.length + unread.length}, linearizable: ${lin.linearizable}`,
    );
    return ok ? 0 : 1;
  } finally {
    await fleet.down();
    if (adminUrl) await dropScratchDatabase(adminUrl, scratchName);
  }
}

/**
 * Prints the hostile summary (with each failure) and returns how many failures there were:
 * an answer the contract does not allow, a case never answered as expected, or an attempt of
 * any client (hostile or not) answered with a status outside the contract (a 500, a 502 ...).
 */
function hostileVerdict(
  runs: Array<{ tally: HostileTally; statuses: ReadonlyMap<number, number> }>,
  loadStatuses: ReadonlyMap<number, number>,
): number {
  const tally = new HostileTally();
  for (const r of runs) tally.merge(r.tally);
  const failures = [
    ...tally.failures,
    ...(runs.length > 0 ? tally.unshown().map((c) => `${c}: never answered as expected`) : []),
    ...unexpectedStatuses(sumStatuses([loadStatuses, ...runs.map((r) => r.statuses)])),
  ];
  const shown = failures.slice(0, 20);
  for (const f of shown) console.log(`  hostile failure: ${f}`);
  if (failures.length > shown.length)
    console.log(`  ... and ${failures.length - shown.length} more`);
  console.log(`${tally.summary()}; failures: ${failures.length}`);
  return failures.length;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.log('acknowledged: 0, lost: unknown, linearizable: false');
    process.exit(1);
  },
);
