import { Client, Pool, type PoolClient } from 'pg';
import type { Database, Queryable, QueryResult } from './database';

/**
 * PostgreSQL through node-postgres. One pool for queries; one dedicated client for
 * LISTEN, reconnected when it drops (the server survives a database restart).
 */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private listener: Client | null = null;
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  private closed = false;

  constructor(
    private readonly connectionString: string,
    poolSize = 10,
  ) {
    this.pool = new Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5_000 });
    // An idle client that loses its connection must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.pool.query(sql, params);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R>(sql: string, params: unknown[] = []) => {
          const r = await client.query(sql, params);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
      if (this.listener) await this.listener.query(`LISTEN ${quoteIdent(channel)}`);
    }
    handlers.add(onNotify);
    await this.ensureListener();
    return async () => {
      handlers.delete(onNotify);
    };
  }

  private async ensureListener(): Promise<void> {
    if (this.listener || this.closed) return;
    const client = new Client({ connectionString: this.connectionString });
    client.on('notification', (n) => {
      for (const h of this.channels.get(n.channel) ?? []) h(n.payload ?? '');
    });
    client.on('error', () => {
      // Drop it; the next listen() or the retry below makes a new one.
      if (this.listener === client) this.listener = null;
      client.end().catch(() => undefined);
      setTimeout(() => void this.ensureListener().catch(() => undefined), 1_000).unref();
    });
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.listener = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
    await this.pool.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
