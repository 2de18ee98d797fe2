import type { Database } from './database';
import type { LockHolder } from './data-dir-lock';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

export interface StorageOptions {
  /** postgres://... ; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; when absent PGlite keeps everything in memory. */
  pgliteDataDir?: string | undefined;
  poolSize?: number;
  /** Hears of a stale lock on the PGlite data folder that was taken over (its holder is gone). */
  onStaleLock?: (stale: LockHolder, lockFile: string) => void;
}

export async function openDatabase(options: StorageOptions): Promise<Database> {
  if (options.databaseUrl)
    return new PostgresDatabase(options.databaseUrl, { poolSize: options.poolSize });
  return PgliteDatabase.open(options.pgliteDataDir, options.onStaleLock);
}
