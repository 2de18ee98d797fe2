import type { Database } from './database';
import type { LockHolder } from './data-dir-lock';
import { FollowingPostgresDatabase, type FollowEvent } from './following-postgres';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

export interface StorageOptions {
  /** postgres://... ; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /**
   * Every node of a highly available PostgreSQL (DATABASE_URLS): the primary among them is
   * found and followed across failovers (following-postgres.ts). Exclusive with databaseUrl.
   */
  databaseUrls?: string[] | undefined;
  /** Hears when the followed primary is lost and found again (with databaseUrls). */
  onPrimaryEvent?: (e: FollowEvent) => void;
  /** PGlite data folder; when absent PGlite keeps everything in memory. */
  pgliteDataDir?: string | undefined;
  poolSize?: number;
  /** Hears of a stale lock on the PGlite data folder that was taken over (its holder is gone). */
  onStaleLock?: (stale: LockHolder, lockFile: string) => void;
}

export async function openDatabase(options: StorageOptions): Promise<Database> {
  if (options.databaseUrls && options.databaseUrls.length > 0) {
    return new FollowingPostgresDatabase(options.databaseUrls, {
      poolSize: options.poolSize,
      onEvent: options.onPrimaryEvent,
    });
  }
  if (options.databaseUrl)
    return new PostgresDatabase(options.databaseUrl, { poolSize: options.poolSize });
  return PgliteDatabase.open(options.pgliteDataDir, options.onStaleLock);
}
