import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../fleet/service-process';
import { REPO_ROOT } from '../fleet/topology';
import { makeOwnedDir, postmasterPid, serviceUser } from '../ha/node-process';
import { runPg } from './pg-binaries';

/** The restore's fence (its comments say why): every epoch jumps, no lease survives. */
export const RESTORE_FENCE_SQL = path.join(REPO_ROOT, 'neurelo', 'admin', 'restore_fence.sql');

export interface RestoreOptions {
  /** A folder takeBaseBackup wrote; it is copied, never changed, so it can be restored again. */
  backupDir: string;
  /** The data folder of the server to restore; that server must be stopped. */
  dataDir: string;
  /** The fleet's database in it (the one the data API's DATABASE_URL names). */
  database: string;
  /** The server's superuser; default: the user that runs it (`postgres` when we are root). */
  superuser?: string;
}

export interface RestoreResult {
  /** Where the data folder that was there before went (never deleted), or null. */
  replacedDir: string | null;
  processesFenced: number;
  epochMax: number;
}

/**
 * Restores a base backup in place of a stopped server's data folder, and fences it before
 * anything else can connect: the server is started once with no TCP listener and its socket in
 * a private folder (no process of the fleet can reach it), recovers to the backup's end,
 * restore_fence.sql runs, and it stops again. Only then may it be started as usual. A fleet
 * that still runs is therefore never served a restored state under its old epochs: its
 * processes' first renewal or step commit on it is refused, and they exit as fenced. A restore
 * whose fence fails is renamed `<dataDir>.unfenced-<time>`, so no server starts on it.
 */
export function restoreBaseBackup(o: RestoreOptions): RestoreResult {
  const backupDir = path.resolve(o.backupDir);
  const dataDir = path.resolve(o.dataDir);
  if (!existsSync(path.join(backupDir, 'backup_label'))) {
    throw new Error(`${backupDir} holds no base backup (no backup_label)`);
  }
  const pid = postmasterPid(dataDir);
  if (pid !== null && isAlive(pid)) {
    throw new Error(`a server runs on ${dataDir} (process ${pid}): stop it first`);
  }
  let replacedDir: string | null = null;
  if (existsSync(dataDir)) {
    replacedDir = `${dataDir}.replaced-${stamp()}`;
    renameSync(dataDir, replacedDir);
  }
  // cp -a keeps the owner (the postgres user) and modes; the data folder must be 0700.
  execFileSync('cp', ['-a', backupDir, dataDir]);
  chmodSync(dataDir, 0o700);

  const user = serviceUser();
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'paxos-restore-'));
  makeOwnedDir(socketDir, user);
  const privatePort = '5432';
  const logFile = path.join(socketDir, 'postgres.log');
  let fencedOk = false;
  try {
    try {
      runPg('pg_ctl', [
        '--pgdata',
        dataDir,
        '--wait',
        '--timeout=120',
        '--log',
        logFile,
        '-o',
        [
          `-c listen_addresses='' -c unix_socket_directories='${socketDir}' -p ${privatePort}`,
          // A backup of a Patroni primary names its synchronous standby (the fence's commit
          // would wait for it forever), and its folders for logs and pg_hba.conf.
          "-c synchronous_standby_names='' -c logging_collector=off -c archive_mode=off",
          `-c hba_file='${dataDir}/pg_hba.conf' -c ident_file='${dataDir}/pg_ident.conf'`,
        ].join(' '),
        'start',
      ]);
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
    }
    const out = runPg(
      'psql',
      [
        '--host',
        socketDir,
        '--port',
        privatePort,
        ...(o.superuser ? ['--username', o.superuser] : []),
        '--dbname',
        o.database,
        '--no-psqlrc',
        '--set',
        'ON_ERROR_STOP=1',
        '--quiet',
        '--tuples-only',
        '--no-align',
        '--field-separator',
        ' ',
        '--file',
        '-',
      ],
      { input: readFileSync(RESTORE_FENCE_SQL, 'utf8') },
    );
    const [fenced, epochMax] = out.trim().split(/\s+/).map(Number);
    fencedOk = true;
    return { replacedDir, processesFenced: fenced ?? 0, epochMax: epochMax ?? 0 };
  } finally {
    if (postmasterPid(dataDir) !== null) {
      runPg('pg_ctl', ['--pgdata', dataDir, '--wait', '--mode=fast', 'stop']);
    }
    rmSync(socketDir, { recursive: true, force: true });
    // Never leave an unfenced restore where the server would start on it.
    if (!fencedOk) renameSync(dataDir, `${dataDir}.unfenced-${stamp()}`);
  }
}

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');
