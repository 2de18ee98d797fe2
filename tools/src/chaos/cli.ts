/**
 * `npm run chaos -- --seconds S [--faults kill,pause,partition,clock,db,reconfigure]
 *   [--reconfigure] [--seed N] [--history FILE] [--clients N] [--keys N] [--hostile N]
 *   [--broken CONFIG]`
 *
 * Concurrent clients issue get/put/cas on a small shared key set (and puts on keys of their
 * own) against random replicas, while a nemesis (nemesis.ts) injects the faults asked for
 * (all by default): SIGKILL and restart, SIGSTOP and SIGCONT, a cut network link (a role from
 * the data API, the data API from PostgreSQL), a role's clock jumping or drifting, and
 * PostgreSQL crashing (`pg_ctl -m immediate`, a private server this run starts). `--hostile`
 * clients (2 by default) send the hostile inputs of workload/hostile-cases.ts. Then the faults
 * stop, and it checks that every acknowledged write is present, the replicas converge, and the
 * history is linearizable. `--broken` runs a deliberately broken configuration (faults.ts) that
 * the run must catch. `--seed` replays the nemesis's schedule. `--reconfigure` adds the
 * reconfigure fault to the others: members replaced one at a time by new ones (every initial
 * acceptor in turn, a replica, a leader, then round again) while the other faults go on.
 * Failover is measured throughout (fleet/leadership.ts): each kill or pause of the active leader,
 * the time to another active leader and the changes of leader after it, in the run's
 * failover.json and beside the history (`h.failover.json` for `--history h.json`).
 * Last lines: fault counts, the processes that exited by themselves (with the reason each
 * logged), the hostile summary, the failover figures, `verdict: ok` or the checks that failed,
 * then `acknowledged: N, lost: 0, linearizable: true, reconfigurations: K`.
 */
import 'dotenv/config';
import { writeHistoryFile } from '@paxos/sim/src/linearizability';
import { Prng } from '@paxos/sim/src/random/prng';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LeadershipRecorder } from '../fleet/leadership';
import { runHostileClient } from '../workload/hostile-client';
import { Progress } from '../workload/progress';
import { runClients, wallClock } from '../workload/run-clients';
import { formatMs, percentile } from '../workload/stats';
import { replicasLine, verifyRun } from '../workload/verify-run';
import { waitReplicasConverge } from './convergence';
import { availableFaults, parseBroken, parseFaults, withReconfigure } from './faults';
import { exitReasonFromLog } from './exit-reason';
import { failoverReport } from './failover-report';
import { hostileVerdict } from './hostile-verdict';
import { Nemesis } from './nemesis';
import { ChaosRig } from './rig';
import { chaosKeys, chaosOp } from './workload';

/** Pause between the starts of two faults; at most two faults are in force at once. */
export const CHAOS_FAULT_GAP_MS = [2_000, 5_000] as const;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    history: { type: 'string' },
    clients: { type: 'string', default: '6' },
    seed: { type: 'string' },
    keys: { type: 'string', default: '4' },
    hostile: { type: 'string', default: '2' },
    faults: { type: 'string' },
    broken: { type: 'string' },
    reconfigure: { type: 'boolean', default: false },
  },
});

function wholeNumber(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a whole number, got ${raw}`);
  return n;
}

function usage(message: string): never {
  console.error(message);
  process.exit(2);
}

const seconds = wholeNumber('seconds', args.seconds);
const clientCount = wholeNumber('clients', args.clients);
const sharedKeys = wholeNumber('keys', args.keys);
const hostileClients = wholeNumber('hostile', args.hostile);
const seed = args.seed !== undefined ? wholeNumber('seed', args.seed) : Date.now() % 1_000_000;
let faultKinds: ReturnType<typeof parseFaults>;
let broken: ReturnType<typeof parseBroken>;
try {
  faultKinds = args.faults === undefined ? availableFaults() : parseFaults(args.faults);
  if (args.reconfigure) faultKinds = withReconfigure(faultKinds);
  broken = parseBroken(args.broken);
} catch (err) {
  usage((err as Error).message);
}

/** Completed reconfigurations so far, for the last line whatever way the run ends. */
let reconfigurations = (): number => 0;

async function main(): Promise<number> {
  // Separate streams: the nemesis's schedule depends on the seed alone, not on the clients.
  const nemesisRandom = new Prng(seed);
  const workloadPrng = new Prng(seed + 1);
  const random = (): number => workloadPrng.nextFloat();
  const rig = await ChaosRig.create({ faults: faultKinds, broken });
  const fleet = rig.fleet;
  // Interrupted (Ctrl-C, a CI timeout): no process, paused service or private server is left.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: bringing the fleet down`);
      rig.healAll();
      void rig.down().finally(() => process.exit(130));
    });
  }
  console.log(
    `chaos: seed ${seed}, ${seconds} s of faults (${faultKinds.join(', ') || 'none'}), ${clientCount} clients, ${hostileClients} hostile, storage ${rig.storage}${broken ? `, BROKEN configuration ${broken}` : ''}; logs in ${fleet.logDir}`,
  );
  try {
    await rig.up();
    // The rig keeps this list in step with the membership: clients follow a replaced replica.
    const replicaUrls = rig.membership.replicaUrls;
    const t0 = wallClock();
    const faultsEndAt = t0 + seconds * 1000;
    const stopFaults = () => wallClock() >= faultsEndAt;
    const progress = new Progress('chaos');
    let acked = 0;

    const nemesis = new Nemesis(rig, {
      faults: faultKinds,
      random: () => nemesisRandom.nextFloat(),
      t0,
      gapMs: CHAOS_FAULT_GAP_MS,
    });
    reconfigurations = () => nemesis.reconfigurations;
    // Who leads, every 100 ms, from the first fault until the replicas converge: the failover
    // figures (time to another active leader, changes of leader per kill or pause).
    const leadership = new LeadershipRecorder({
      leaders: () => fleet.named('leader'),
      isRunning: (name) => fleet.isRunning(name),
      clock: wallClock,
    });
    leadership.start();
    const missing = faultKinds.filter((k) => !nemesis.kinds.includes(k));
    if (missing.length) console.log(`faults with no target in this setup: ${missing.join(', ')}`);
    const order = nemesis.replacementPreview(5);
    if (order) {
      console.log(`replacements in turn: ${order}, ...; steps in ${nemesis.membershipLog}`);
    }
    const nemesisDone = nemesis.run(stopFaults);
    // The load goes on while a replacement started before the faults stopped finishes: a log
    // that falls idle just then can leave a newcomer short of the slots before its
    // configuration (docs/testing.md).
    const stopClients = () => stopFaults() && !nemesis.reconfiguring;

    const hostile = Promise.all(
      Array.from({ length: hostileClients }, (_, index) =>
        runHostileClient({
          replicaUrls,
          index,
          shouldStop: stopFaults,
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
      nextOp: chaosOp(random, { clients: clientCount, sharedKeys }),
      // As behind a load balancer: any command may land on any replica, so a replica that
      // answers from stale state is read soon after another has acknowledged a write.
      pickReplica: () => Math.floor(random() * replicaUrls.length),
      shouldStop: stopClients,
      onAcknowledged: (_l, at) => {
        acked += 1;
        progress.update(
          (at - t0) / (faultsEndAt - t0),
          `${acked} acknowledged, ${nemesis.log.length} faults`,
        );
      },
    });
    await nemesisDone;
    const hostileRuns = await hostile;
    progress.done();
    const faultLines = nemesis.lines();
    writeFileSync(path.join(fleet.options.workDir, 'faults.log'), `${faultLines.join('\n')}\n`);
    console.log(`faults (seed ${seed}):`);
    for (const line of faultLines) console.log(`  ${line}`);

    console.log('faults stopped; waiting for every service and for the replicas to converge');
    await rig.waitAllReady(90_000);
    const { converged, views } = await waitReplicasConverge(
      await rig.membership.memberReplicas(),
      90_000,
    );
    const failover = failoverReport(leadership.timeline, nemesis.log, {
      t0,
      observedUntilMs: leadership.stop(),
      isLeader: (name) => fleet.named('leader').some((s) => s.name === name),
    });
    const failoverFile = path.join(fleet.options.workDir, 'failover.json');
    writeFileSync(failoverFile, `${JSON.stringify(failover, null, 2)}\n`);

    const verdict = await verifyRun({
      history: run.history,
      keys: chaosKeys({ clients: clientCount, sharedKeys }),
      ownedKey: (key) => key.startsWith('own-'),
      replicaUrls,
    });
    const { lost, unread, linearizability: lin } = verdict;
    if (args.history) {
      await writeHistoryFile(args.history, verdict.history);
      // The history stays a plain list of operations (readHistoryFile, Porcupine): the
      // failover figures go beside it.
      const besideHistory = args.history.replace(/(\.json)?$/, '.failover.json');
      writeFileSync(besideHistory, `${JSON.stringify(failover, null, 2)}\n`);
      console.log(
        `history: ${verdict.history.length} operations written to ${args.history}; failover figures to ${besideHistory}`,
      );
    }
    console.log(
      `latency: p50 ${formatMs(percentile(run.latenciesMs, 50))}, p99 ${formatMs(percentile(run.latenciesMs, 99))}; ${run.unanswered} commands gave up after retries (recorded as unknown)`,
    );
    console.log(`replicas: ${replicasLine(views)} -> ${converged ? 'converged' : 'NOT converged'}`);
    if (lost.length) console.log(`lost writes: ${JSON.stringify(lost.slice(0, 5))}`);
    if (unread.length) console.log(`keys that could not be read back: ${unread.join(', ')}`);
    if (lin.linearizable !== true)
      console.log(`linearizability: ${lin.linearizable} ${lin.explanation ?? ''}`);
    const failedFaults = nemesis.log.filter((r) => r.error).length;
    const counts = nemesis.counts();
    console.log(
      `faults run: ${faultKinds.map((k) => `${k} ${counts[k]}`).join(', ') || 'none'}${failedFaults ? `; ${failedFaults} could not be applied` : ''}`,
    );
    // A process that stops by itself is a bug even when its restart hides it (a broken
    // configuration is judged by the checks above alone).
    const exits = rig.unexpectedExits;
    for (const e of exits) {
      console.log(
        `  ${e.name} exited by itself (code ${e.code ?? '-'}, signal ${e.signal ?? '-'}) at t+${((e.atMs - t0) / 1000).toFixed(1)}s; restarted (see its log)`,
      );
      const reason = exitReasonFromLog(fleet.logFile(e.name), e.logBytes);
      if (reason) console.log(`    its log: ${reason}`);
    }
    if (exits.length) console.log(`processes that exited by themselves: ${exits.length}`);
    const hostileFailures = hostileVerdict(hostileRuns, run.statuses);
    console.log(failover.line);
    // Every check that failed, by name: the line a test or a reader looks at first.
    const problems = [
      converged ? '' : 'replicas not converged',
      lost.length ? `${lost.length} acknowledged writes lost` : '',
      unread.length ? `${unread.length} keys not read back` : '',
      lin.linearizable === true ? '' : `linearizable: ${lin.linearizable}`,
      hostileFailures ? `${hostileFailures} hostile inputs answered wrongly` : '',
      failedFaults ? `${failedFaults} faults not applied` : '',
      broken === undefined && exits.length ? `${exits.length} processes exited by themselves` : '',
    ].filter((p) => p !== '');
    const ok = problems.length === 0;
    console.log(`verdict: ${ok ? 'ok' : problems.join('; ')}`);
    console.log(
      `acknowledged: ${run.acknowledged}, lost: ${lost.length + unread.length}, linearizable: ${lin.linearizable}, reconfigurations: ${nemesis.reconfigurations}`,
    );
    return ok ? 0 : 1;
  } finally {
    rig.healAll();
    await rig.down();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.log(
      `acknowledged: 0, lost: unknown, linearizable: false, reconfigurations: ${reconfigurations()}`,
    );
    process.exit(1);
  },
);
