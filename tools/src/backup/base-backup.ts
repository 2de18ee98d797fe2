import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeOwnedDir, serviceUser } from '../ha/node-process';
import { runPg } from './pg-binaries';

/**
 * A base backup of a whole PostgreSQL server with `pg_basebackup`, while the fleet runs: a
 * copy of the data folder plus the WAL written during the copy (`-X stream`), so that started,
 * it recovers to one consistent moment, the backup's end. Every step commit is one
 * transaction, so that moment holds every role's state and the queue as of one instant: a
 * state the fleet could have crashed into. `--checkpoint=fast` starts the copy at once instead
 * of at the next scheduled checkpoint. Works against a standalone server and a Patroni primary
 * alike (a standby too: the backup then ends at what that standby had replayed).
 */
export interface BaseBackupOptions {
  /** A replication-capable connection: postgres://user@host:port (the database is ignored). */
  url: string;
  /** A new or empty folder; it becomes a PostgreSQL data folder. */
  dir: string;
}

export interface BaseBackupResult {
  dir: string;
  /** backup_label's START TIME and the WAL position the backup starts at. */
  startTime: string;
  startLsn: string;
}

export function takeBaseBackup(o: BaseBackupOptions): BaseBackupResult {
  const dir = path.resolve(o.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty: a base backup goes into a new or empty folder`);
  }
  const user = serviceUser();
  makeOwnedDir(dir, user);
  runPg('pg_basebackup', [
    '--dbname',
    o.url,
    '--pgdata',
    dir,
    '--wal-method=stream',
    '--checkpoint=fast',
    '--no-password',
  ]);
  const label = readFileSync(path.join(dir, 'backup_label'), 'utf8');
  return {
    dir,
    startTime: /^START TIME: (.*)$/m.exec(label)?.[1] ?? '?',
    startLsn: /^START WAL LOCATION: (\S+)/m.exec(label)?.[1] ?? '?',
  };
}
