import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database';

/**
 * Embedded PostgreSQL (PGlite): in memory when `dataDir` is undefined, else persisted in
 * that folder. It is single-connection: statements run one at a time, in order.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private constructor(private readonly db: PGlite) {}

  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const db = dataDir ? new PGlite(dataDir) : new PGlite();
    await db.waitReady;
    return new PgliteDatabase(db);
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
    await this.db.close();
  }
}
