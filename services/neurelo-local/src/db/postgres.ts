import { Client, Pool, type ClientBase, type PoolClient } from 'pg';
import type { Database, Queryable, QueryResult, WarmUpReport } from './database';
import { isDatabaseOutage } from './outage';

/**
 * How long opening a connection may take (name lookup, TCP, authentication) before the request
 * is answered 503. Above 5 s on purpose: that is the resolver's own retry time (glibc), so one
 * lost lookup packet costs a slow connection, not a failed one. Connections were seen to take
 * over 5 s in a container network while its containers started (cause not pinned down).
 * Below the roles' 10 s per-attempt timeout.
 */
const CONNECT_TIMEOUT_MS = 8_000;
const LISTENER_RETRY_MS = 1_000;
/**
 * Pooled connections are never closed for being idle (0): the pool is small, and every
 * connection opened again later is a name lookup, a TCP handshake and an authentication that
 * can fail. A connection that breaks is dropped and replaced.
 */
const IDLE_CONNECTION_MS = 0;

export interface PostgresOptions {
  poolSize?: number;
  /** How long opening a connection may take before the request is answered 503. */
  connectTimeoutMs?: number;
  /**
   * Runs on every new connection before its first use; a connection it rejects is closed and
   * its request fails with the rejection. Following a primary, it refuses a standby
   * (following-postgres.ts). Absent with a single DATABASE_URL.
   */
  checkConnection?: (client: ClientBase) => Promise<void>;
}

/**
 * PostgreSQL through node-postgres. One pool for queries; one dedicated client for
 * LISTEN, reconnected when it drops (the server survives a database restart).
 */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private listener: Client | null = null;
  /** The channels the current listener connection has run LISTEN for. */
  private listenerChannels = new Set<string>();
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  private generation = 0;
  private closed = false;

  private readonly connectTimeoutMs: number;
  private readonly poolSize: number;
  private readonly checkConnection: PostgresOptions['checkConnection'];
  /** Statement text -> the name it is prepared under on every connection that ran it. */
  private readonly statementNames = new Map<string, string>();

  constructor(
    private readonly connectionString: string,
    options: PostgresOptions = {},
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.poolSize = options.poolSize ?? 10;
    this.checkConnection = options.checkConnection;
    // keepAlive: a connection cut without a FIN/RST (network partition) is noticed and replaced
    // instead of hanging a request forever.
    this.pool = new Pool({
      connectionString,
      max: this.poolSize,
      connectionTimeoutMillis: this.connectTimeoutMs,
      idleTimeoutMillis: IDLE_CONNECTION_MS,
      keepAlive: true,
      // pg-pool awaits the hook (3.9 and later); its types still say it returns void.
      ...(this.checkConnection
        ? { onConnect: this.checkConnection as (c: ClientBase) => void }
        : {}),
    });
    // An idle client that loses its connection must not crash the process; the pool drops it and
    // opens a fresh connection for the next query, which is how the server recovers by itself.
    this.pool.on('error', () => undefined);
  }

  async warmUp(): Promise<WarmUpReport> {
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: this.poolSize }, () => this.pool.connect()),
    );
    const failures: unknown[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') r.value.release();
      else failures.push(r.reason);
    }
    const report: WarmUpReport = {
      opened: results.length - failures.length,
      failed: failures.length,
      ms: Date.now() - started,
    };
    if (failures.length > 0) report.firstError = String((failures[0] as Error).message);
    return report;
  }

  async queryPrepared<T>(sql: string, params: unknown[]): Promise<QueryResult<T>> {
    let name = this.statementNames.get(sql);
    if (name === undefined) {
      name = `neurelo_${this.statementNames.size + 1}`;
      this.statementNames.set(sql, name);
    }
    const r = await this.pool.query({ name, text: sql, values: params });
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
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
    // A connection that failed for an outage (a standby's, a broken one) is closed, not pooled.
    let outage: Error | undefined;
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
      if (isDatabaseOutage(err)) outage = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(outage);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(onNotify);
    try {
      await this.ensureListener();
      const listener = this.listener;
      if (listener && !this.listenerChannels.has(channel)) {
        await listener.query(`LISTEN ${quoteIdent(channel)}`);
        this.listenerChannels.add(channel);
      }
    } catch (err) {
      handlers.delete(onNotify);
      throw err;
    }
    return async () => {
      handlers.delete(onNotify);
    };
  }

  get listenerGeneration(): number {
    return this.generation;
  }

  private ensureListener(): Promise<void> {
    if (this.listener || this.closed) return Promise.resolve();
    this.connecting ??= this.connectListener().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connectListener(): Promise<void> {
    const client = new Client({
      connectionString: this.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    const lost = (): void => {
      if (this.listener !== client) return;
      this.listener = null;
      this.generation++;
      client.end().catch(() => undefined);
      this.scheduleListenerReconnect();
    };
    client.on('notification', (n) => {
      for (const h of this.channels.get(n.channel) ?? []) h(n.payload ?? '');
    });
    client.on('error', lost);
    client.on('end', lost);
    const channels = new Set<string>();
    try {
      await client.connect();
      await this.checkConnection?.(client);
      for (const channel of this.channels.keys()) {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
        channels.add(channel);
      }
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    this.listenerChannels = channels;
    this.generation++;
  }

  /**
   * The LISTEN connection died (database restart, network cut): keep trying until it is back.
   * Notifications sent meanwhile are lost; long-poll waiters still wake at their deadline.
   */
  private scheduleListenerReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.ensureListener().catch(() => this.scheduleListenerReconnect());
    }, LISTENER_RETRY_MS);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
    await this.pool.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
