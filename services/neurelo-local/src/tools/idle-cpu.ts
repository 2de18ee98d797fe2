import { createScratchDatabase, dropScratchDatabase } from '../db/scratch-database';
/**
 * Measures what an idle server costs: starts the real server process, keeps one consumer
 * long-polling `queue_claim` (Prefer: wait=20) on an empty queue, and reports the CPU the
 * server's node process used over the window (utime + stime from /proc) as a percentage of
 * one core. Linux only.
 *
 *   npx tsx services/neurelo-local/src/tools/idle-cpu.ts [seconds=20]
 *
 * With DATABASE_URL set, the server runs on a scratch database created next to it (and dropped
 * afterwards), so the measurement never migrates a database someone else uses; else PGlite.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServerProcess } from './server-process';

const WARM_UP_MS = 3_000;

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after it are space separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Runs `fn` against a scratch database beside `adminUrl`'s, or PGlite when there is none. */
async function withScratchDatabase(
  adminUrl: string | undefined,
  fn: (databaseUrl: string | undefined) => Promise<void>,
): Promise<void> {
  if (!adminUrl) return fn(undefined);
  const name = `paxos_idle_cpu_${process.pid}`;
  const databaseUrl = await createScratchDatabase(adminUrl, name);
  try {
    await fn(databaseUrl);
  } finally {
    await dropScratchDatabase(adminUrl, name);
  }
}

async function measure(databaseUrl: string | undefined): Promise<void> {
  const windowSeconds = Number(process.argv[2] ?? 20);
  const key = `neurelo_idle_${randomBytes(8).toString('hex')}`;
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  const server = await startServerProcess({
    NEURELO_API_KEY: key,
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
  });
  let polls = 0;
  let stopped = false;
  const consumer = (async () => {
    while (!stopped) {
      const res = await fetch(`${server.baseUrl}/custom/queue_claim`, {
        method: 'POST',
        headers: { 'X-API-KEY': key, 'Content-Type': 'application/json', Prefer: 'wait=20' },
        body: JSON.stringify({ dst: 'idle-consumer', owner: 'idle#1', limit: 10, leaseMs: 30_000 }),
      });
      await res.arrayBuffer();
      polls += 1;
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    const startTicks = cpuTicks(server.serverPid);
    const startedAt = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, windowSeconds * 1_000));
    const usedSeconds = (cpuTicks(server.serverPid) - startTicks) / ticksPerSecond;
    const elapsedSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const percentOfOneCore = (100 * usedSeconds) / elapsedSeconds;
    const storage = databaseUrl ? 'postgres' : 'pglite';
    console.log(
      JSON.stringify({
        storage,
        windowSeconds: Number(elapsedSeconds.toFixed(1)),
        serverCpuSeconds: usedSeconds,
        percentOfOneCore: Number(percentOfOneCore.toFixed(2)),
        longPollsAnswered: polls,
      }),
    );
    process.exitCode = percentOfOneCore < 2 ? 0 : 1;
  } finally {
    stopped = true;
    await server.stop();
    await consumer.catch(() => undefined);
  }
}

withScratchDatabase(process.env.DATABASE_URL, measure).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
