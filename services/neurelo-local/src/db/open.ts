import type { Database } from './database';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

export interface StorageOptions {
  /** postgres://... ; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; when absent PGlite keeps everything in memory. */
  pgliteDataDir?: string | undefined;
  poolSize?: number;
}

export async function openDatabase(options: StorageOptions): Promise<Database> {
  if (options.databaseUrl)
    return new PostgresDatabase(options.databaseUrl, { poolSize: options.poolSize });
  return PgliteDatabase.open(options.pgliteDataDir);
}
