import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database';
import { lockDataDir, type DataDirLock, type LockHolder } from './data-dir-lock';

/**
 * Embedded PostgreSQL (PGlite): in memory when `dataDir` is undefined, else persisted in
 * that folder, which this process then locks (data-dir-lock.ts). It is single-connection:
 * statements run one at a time, in order.
 *
 * What a data folder promises: every acknowledged write is in the folder's files when the
 * statement returns, so it survives a SIGKILL of this process; but PGlite does not fsync them,
 * so a crash of the machine (power, kernel) can lose the most recent writes.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private constructor(
    private readonly db: PGlite,
    private readonly lock: DataDirLock | undefined,
  ) {}

  /** Throws DataDirLockedError when another live process holds `dataDir`. */
  static async open(
    dataDir?: string,
    onStaleLock?: (stale: LockHolder, lockFile: string) => void,
  ): Promise<PgliteDatabase> {
    if (!dataDir) {
      const db = new PGlite();
      await db.waitReady;
      return new PgliteDatabase(db, undefined);
    }
    const lock = lockDataDir(dataDir, onStaleLock);
    try {
      const db = new PGlite(dataDir);
      await db.waitReady;
      return new PgliteDatabase(db, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** PGlite runs in this process: there is no per-statement network cost to save. */
  queryPrepared<T>(sql: string, params: unknown[]): Promise<QueryResult<T>> {
    return this.query<T>(sql, params);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.db.query<T>(sql, params);
    return { rows: r.rows, rowCount: r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0) };
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async <R>(sql: string, params: unknown[] = []) => {
          const r = await tx.query<R>(sql, params);
          return {
            rows: r.rows,
            rowCount: r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0),
          };
        },
      }),
    );
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}
