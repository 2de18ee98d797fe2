/**
 * `npm start`: the main job. Starts a whole fleet (the local Neurelo server on an embedded
 * PGlite unless DATABASE_URL or NEURELO_API_BASE says otherwise, 3 acceptors, 2 leaders,
 * 2 replicas, each its own OS process), runs a client workload over HTTP, SIGKILLs an
 * acceptor and the active leader partway through, restarts them, and checks that nothing
 * acknowledged was lost and every replica reached the same state.
 */
import 'dotenv/config';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Fleet } from './fleet/fleet';
import {
  FAILOVER_WINDOW_MS,
  LeadershipRecorder,
  failoverFigures,
  killFailoverText,
} from './fleet/leadership';
import { activeLeader, waitForConvergence } from './fleet/observe';
import { defaultFleetOptions, newFleetClientKeys } from './fleet/topology';
import { Progress } from './workload/progress';
import { runClients, wallClock } from './workload/run-clients';
import { formatMs, percentile } from './workload/stats';
import { replicasLine, verifyRun } from './workload/verify-run';
import { setTimeout as sleep } from 'node:timers/promises';

const seconds = Number(process.env.START_SECONDS ?? 40);
const clientCount = Number(process.env.START_CLIENTS ?? 8);
const keysPerClient = 4;

async function main(): Promise<number> {
  const options = defaultFleetOptions();
  options.workDir = path.join(options.workDir, 'start');
  // Like `fleet -- up`: the replicas require a client key, and the workload sends it.
  options.clientKeys = newFleetClientKeys();
  rmSync(options.workDir, { recursive: true, force: true });
  const fleet = new Fleet(options);
  const storage = options.neureloApiBase
    ? `the Neurelo environment at ${options.neureloApiBase}`
    : options.databaseUrl
      ? 'the local Neurelo server on PostgreSQL (DATABASE_URL)'
      : `the local Neurelo server on embedded PGlite (${path.join(options.workDir, 'pglite')})`;
  console.log(`Starting a fleet on ${storage}`);
  console.log(`  ${fleet.services.map((s) => `${s.name}:${s.port}`).join('  ')}`);
  console.log(`  logs in ${fleet.logDir}`);
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
  });
  try {
    const startedAt = Date.now();
    await fleet.up(90_000);
    console.log(`Fleet ready in ${formatMs(Date.now() - startedAt)}`);
    const replicaUrls = fleet.named('replica').map((s) => `http://127.0.0.1:${s.port}`);

    const t0 = wallClock();
    const endAt = t0 + seconds * 1000;
    const killAt = t0 + seconds * 300;
    const restartAt = t0 + seconds * 550;
    const events: string[] = [];
    let killedLeader: string | null = null;
    let killTime = 0;
    let firstAckAfterKillMs: number | null = null;
    const progress = new Progress('workload');
    let acked = 0;
    // Who leads, every 100 ms, until the workload ends: the failover figures come from it.
    const leadership = new LeadershipRecorder({
      leaders: () => fleet.named('leader'),
      isRunning: (name) => fleet.isRunning(name),
      clock: wallClock,
    });
    leadership.start();

    const nemesis = (async () => {
      while (wallClock() < killAt && !stopping) await sleep(100);
      if (stopping) return;
      killedLeader = await activeLeader(fleet);
      const acceptor = fleet.named('acceptor')[1]?.name ?? 'acceptor-0';
      killTime = wallClock();
      await fleet.kill(acceptor);
      if (killedLeader) await fleet.kill(killedLeader);
      events.push(
        `t+${((killTime - t0) / 1000).toFixed(1)}s SIGKILL ${acceptor} and ${killedLeader ?? '(no active leader found)'}`,
      );
      while (wallClock() < restartAt && !stopping) await sleep(100);
      fleet.start(acceptor);
      if (killedLeader) fleet.start(killedLeader);
      events.push(
        `t+${((wallClock() - t0) / 1000).toFixed(1)}s restarted ${acceptor}${killedLeader ? ` and ${killedLeader}` : ''}`,
      );
    })();

    const run = await runClients({
      clients: clientCount,
      replicaUrls,
      // Each client owns its keys: puts with unique values, and reads of its own keys.
      nextOp: (i, n) => {
        const key = `c${i}-k${n % keysPerClient}`;
        return n % 3 === 2 ? { kind: 'get', key } : { kind: 'put', key, value: `c${i}-v${n}` };
      },
      clientKey: options.clientKeys.clientKey,
      shouldStop: () => stopping || wallClock() >= endAt,
      onAcknowledged: (latency, at) => {
        acked += 1;
        // The first command that was *issued* after the kill and still got through.
        if (killTime > 0 && firstAckAfterKillMs === null && at - latency > killTime) {
          firstAckAfterKillMs = at - killTime;
        }
        progress.update((at - t0) / (endAt - t0), `${acked} acknowledged`);
      },
    });
    await nemesis;
    const observedUntilMs = leadership.stop();
    progress.done();
    for (const e of events) console.log(e);
    const elapsedS = (wallClock() - t0) / 1000;

    console.log('Waiting for the replicas to converge...');
    await fleet.waitReady(
      fleet.services.map((s) => s.name),
      60_000,
    );
    const { converged, views } = await waitForConvergence(fleet, 60_000);

    const verdict = await verifyRun({
      history: run.history,
      keys: Array.from(
        { length: clientCount * keysPerClient },
        (_, n) => `c${Math.floor(n / keysPerClient)}-k${n % keysPerClient}`,
      ),
      ownedKey: () => true,
      replicaUrls,
      clientKey: options.clientKeys.readOnlyClientKey,
    });
    const { lost, unread, linearizability: lin } = verdict;

    const failover = killedLeader
      ? failoverFigures(
          leadership.timeline,
          [{ atMs: killTime, target: killedLeader, kind: 'kill' }],
          { observedUntilMs, windowMs: FAILOVER_WINDOW_MS },
        )[0]
      : undefined;

    const ok = lost.length === 0 && unread.length === 0 && converged && lin.linearizable === true;
    console.log('');
    console.log('Summary');
    console.log(
      `  commands acknowledged : ${run.acknowledged} (${run.unanswered} gave up after retries)`,
    );
    console.log(
      `  throughput            : ${(run.acknowledged / elapsedS).toFixed(1)} commands/s over ${elapsedS.toFixed(1)} s`,
    );
    console.log(
      `  latency               : p50 ${formatMs(percentile(run.latenciesMs, 50))}, p99 ${formatMs(percentile(run.latenciesMs, 99))}`,
    );
    console.log(
      `  failover              : ${killedLeader ? killFailoverText(failover) : 'no active leader was found to kill'}; first command issued after the kill acknowledged ${firstAckAfterKillMs === null ? 'never' : `${formatMs(firstAckAfterKillMs)}`} after the kill`,
    );
    console.log(`  replicas              : ${replicasLine(views)}`);
    console.log(`  same state digest     : ${converged ? 'yes' : 'NO'}`);
    console.log(
      `  acknowledged writes lost: ${lost.length}${lost.length ? ` ${JSON.stringify(lost.slice(0, 3))}` : ''}${unread.length ? ` (${unread.length} keys could not be read back)` : ''}`,
    );
    console.log(
      `  linearizable          : ${lin.linearizable}${lin.explanation ? ` (${lin.explanation})` : ''}`,
    );
    console.log(ok ? 'OK: nothing acknowledged was lost.' : 'FAILED');
    return ok ? 0 : 1;
  } finally {
    await fleet.down();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
