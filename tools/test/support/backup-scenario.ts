import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Fleet } from '../../src/fleet/fleet';
import { REPO_ROOT, type FleetOptions } from '../../src/fleet/topology';
import { KvClient } from '../../src/workload/kv-client';
import { wallClock } from '../../src/workload/run-clients';
import { QUICK_FAILOVER_ENV } from './test-fleet';

/**
 * What the backup-and-restore tests share (backup-restore.test.ts on one PostgreSQL,
 * backup-restore-ha.test.ts on the Patroni cluster): the documented script, clients of the fleet,
 * and the checks that the old fleet was fenced and a fleet started again serves the backup.
 */

/** How far the restore raises every process epoch (neurelo/admin/restore_fence.sql). */
export const EPOCH_JUMP = 1_000_000_000_000;

const runFile = promisify(execFile);

/**
 * The fleet the backup is taken under (3 acceptors, 2 leaders, 2 replicas, quick failover), in
 * `root`/fleet, on the scenario's database: one URL, or every node of the Patroni cluster. Not
 * started: the test keeps it before `up()`, so that a start that fails is still brought down.
 */
export function scenarioFleet(
  root: string,
  basePort: number,
  database: Pick<FleetOptions, 'databaseUrl' | 'databaseUrls'>,
): Fleet {
  return new Fleet({
    acceptors: 3,
    leaders: 2,
    replicas: 2,
    basePort,
    workDir: path.join(root, 'fleet'),
    ...database,
    roleEnv: { ...QUICK_FAILOVER_ENV, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
}

/** Removes the scenario's folder, or keeps it (KEEP_FLEET_DIR=1) to read the logs after a failure. */
export function removeScenarioRoot(root: string): void {
  if (process.env.KEEP_FLEET_DIR === '1') console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

/** The documented script, as a user runs it. */
export async function backupCli(...args: string[]): Promise<string> {
  const { stdout } = await runFile('npx', ['tsx', 'tools/src/backup/cli.ts', ...args], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  });
  return stdout;
}

/** Clients of the fleet's replicas, and a put that must be acknowledged. */
export function fleetKv(f: Fleet) {
  const replicaUrls = f.named('replica').map((s) => `http://127.0.0.1:${s.port}`);
  const client = () =>
    new KvClient({
      replicaUrls,
      commandDeadlineMs: 30_000,
      attemptTimeoutMs: 5_000,
      clock: wallClock,
    });
  const put = async (c: KvClient, key: string, value: string) => {
    const { result } = await c.run({ kind: 'put', key, value });
    expect(result?.ok).toBe(true);
  };
  return { client, put };
}

/** Runs `meanwhile` while a client keeps writing `during-*` keys; returns what it returned. */
export async function whileWriting<T>(f: Fleet, meanwhile: () => Promise<T>): Promise<T> {
  const { client, put } = fleetKv(f);
  let writing = true;
  const during = client();
  const writer = (async () => {
    for (let n = 0; writing; n++) await put(during, `during-${n % 5}`, `d${n}`);
  })();
  try {
    return await meanwhile();
  } finally {
    writing = false;
    await writer;
  }
}

/** Every old role process exits on the restored database, and says it was fenced. */
export async function expectOldFleetFenced(
  f: Fleet,
  roles: readonly string[],
  exits: ReadonlyMap<string, number | null>,
  timeoutMs: number,
): Promise<number> {
  const startedAt = Date.now();
  for (const name of roles) expect(await f.waitExit(name, timeoutMs)).not.toBe('running');
  const tookMs = Date.now() - startedAt;
  for (const name of roles) {
    expect(exits.has(name)).toBe(true);
    expect(readFileSync(path.join(f.logDir, `${name}.log`), 'utf8')).toMatch(/fenced/);
  }
  return tookMs;
}

/**
 * The roles started again (as a supervisor would) recover from the restored state: the
 * `before-*` keys as they were, no `after-*` key, and a new write is taken.
 */
export async function expectBackupServed(
  f: Fleet,
  roles: readonly string[],
  keys: number,
  lostKeys: readonly string[] = [],
): Promise<void> {
  f.onUnexpectedExit = null;
  for (const name of roles) f.start(name);
  await f.waitReady([...roles], 60_000);
  const { client, put } = fleetKv(f);
  const reader = client();
  const value = async (key: string) => (await reader.run({ kind: 'get', key })).result?.value;
  for (let i = 0; i < keys; i++) {
    expect(await value(`before-${i}`)).toBe(`b${i}`);
    expect(await value(`after-${i}`)).toBeNull();
  }
  for (const key of lostKeys) expect(await value(key)).toBeNull();
  await put(reader, 'after-restore', 'new');
  expect(await value('after-restore')).toBe('new');
}
