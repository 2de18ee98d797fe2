/**
 * Backup and restore (docs/operations.md, "Backup and restore"), on a PostgreSQL server of the
 * test's own (initdb, port 5461) under a real fleet (ports from 8500): a base backup with the
 * documented script while clients write, more writes, the database lost (stopped at once), the
 * backup restored by the documented script while the old fleet still runs. The old fleet's
 * processes hold exactly the epochs of the backup: the backup copied back without the restore's
 * fence, they go on as if nothing happened (shown first); restored by the script, every one of
 * them exits as fenced. Started again, the fleet serves the
 * data of the backup's moment and takes new writes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgBin, runPg } from '../src/backup/pg-binaries';
import { Fleet } from '../src/fleet/fleet';
import { makeOwnedDir, serviceUser } from '../src/ha/node-process';
import {
  EPOCH_JUMP,
  backupCli,
  expectBackupServed,
  expectOldFleetFenced,
  fleetKv,
  removeScenarioRoot,
  scenarioFleet,
  whileWriting,
} from './support/backup-scenario';

jest.setTimeout(120_000);

const PG_PORT = 5461;
const BASE_PORT = 8500;
const DATABASE = 'paxos';
const havePostgres = existsSync(pgBin('pg_basebackup')) && existsSync(pgBin('initdb'));

(havePostgres ? describe : describe.skip)('backup and restore of a running fleet', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'paxos-backup-restore-'));
  const dataDir = path.join(root, 'pg');
  const backupDir = path.join(root, 'backup');
  const url = (db: string) => `postgres://postgres@127.0.0.1:${PG_PORT}/${db}`;
  let fleet: Fleet | undefined;

  const startServer = () =>
    runPg('pg_ctl', [
      '--pgdata',
      dataDir,
      '--wait',
      '--log',
      path.join(root, 'postgres.log'),
      '-o',
      `-p ${PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${root}'`,
      'start',
    ]);
  const sql = (query: string) =>
    runPg('psql', ['--host', root, '--port', String(PG_PORT), '-d', DATABASE, '-XAtc', query]);
  const epochs = () =>
    new Map(
      sql('SELECT process_id, epoch FROM process_epoch ORDER BY 1')
        .trim()
        .split('\n')
        .map((line) => line.split('|') as [string, string])
        .map(([id, epoch]) => [id, Number(epoch)]),
    );

  beforeAll(async () => {
    const user = serviceUser();
    makeOwnedDir(root, user);
    runPg('initdb', ['--pgdata', dataDir, '--auth=trust', '--username=postgres', '--no-sync']);
    startServer();
    runPg('psql', [
      '--host',
      root,
      '--port',
      String(PG_PORT),
      '-d',
      'postgres',
      '-XAtc',
      `CREATE DATABASE ${DATABASE}`,
    ]);
    fleet = scenarioFleet(root, BASE_PORT, { databaseUrl: url(DATABASE) });
    await fleet.up(90_000);
  });

  afterAll(async () => {
    await fleet?.down();
    try {
      runPg('pg_ctl', ['--pgdata', dataDir, '--wait', '--mode=immediate', 'stop']);
    } catch {
      // not running
    }
    removeScenarioRoot(root);
  });

  it('fences the old fleet off the restored database, and a fleet started again serves the backup', async () => {
    const f = fleet!;
    const { client, put } = fleetKv(f);

    // Before the backup: acknowledged, so in it.
    const before = client();
    for (let i = 0; i < 10; i++) await put(before, `before-${i}`, `b${i}`);

    // The backup, taken while a client keeps writing.
    const backupOut = await whileWriting(f, () =>
      backupCli('backup', '--url', url(DATABASE), '--to', backupDir),
    );
    expect(backupOut).toMatch(/^base backup in /);
    console.log(backupOut.trim());
    // No process has started since the backup: these are the epochs the old processes hold,
    // and the ones the backup holds.
    const oldEpochs = epochs();
    const roles = f.services.filter((s) => s.kind !== 'neurelo').map((s) => s.name);
    expect([...oldEpochs.keys()].sort()).toEqual([...roles].sort());

    // After the backup: acknowledged, and lost by the restore.
    const after = client();
    for (let i = 0; i < 10; i++) await put(after, `after-${i}`, `a${i}`);
    await put(after, 'before-0', 'overwritten after the backup');

    const exits = new Map<string, number | null>();
    f.onUnexpectedExit = (name, code) => exits.set(name, code);

    // The danger, shown: the backup copied back as it is, with no fence. The old fleet goes on
    // as if nothing happened: its processes pass the fence with their old epochs and serve
    // what they hold in memory, a write the restored database does not have.
    runPg('pg_ctl', ['--pgdata', dataDir, '--wait', '--mode=immediate', 'stop']);
    renameSync(dataDir, `${dataDir}.lost`);
    execFileSync('cp', ['-a', backupDir, dataDir]);
    startServer();
    expect((await after.run({ kind: 'get', key: 'after-0' })).result?.value).toBe('a0');
    await put(after, 'after-unfenced-restore', 'x');
    expect(exits.size).toBe(0);
    expect(roles.every((name) => f.isRunning(name))).toBe(true);

    // The disk is lost again: the server stops at once, the fleet keeps running and retrying.
    runPg('pg_ctl', ['--pgdata', dataDir, '--wait', '--mode=immediate', 'stop']);
    const restoreOut = await backupCli(
      'restore',
      '--from',
      backupDir,
      '--data',
      dataDir,
      '--database',
      DATABASE,
    );
    console.log(restoreOut.trim());
    expect(restoreOut).toContain(`restored and fenced: ${roles.length} process epochs raised`);
    startServer();
    const restoredEpochs = epochs();
    for (const [id, epoch] of oldEpochs) expect(restoredEpochs.get(id)).toBe(epoch + EPOCH_JUMP);

    // Every old role process is refused on the restored database and exits as fenced.
    const exitedMs = await expectOldFleetFenced(f, roles, exits, 30_000);
    console.log(`every old role process exited ${exitedMs} ms after the restored server started`);

    // Started again, the fleet recovers from the restored state.
    await expectBackupServed(f, roles, 10, ['after-unfenced-restore']);
    for (const [id, epoch] of epochs()) expect(epoch).toBe(restoredEpochs.get(id)! + 1);
  });
});
