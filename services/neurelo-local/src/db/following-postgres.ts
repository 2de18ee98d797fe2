import { setTimeout as sleep } from 'node:timers/promises';
import {
  DatabaseUnavailableError,
  type Database,
  type Queryable,
  type QueryResult,
  type WarmUpReport,
} from './database';
import { isDatabaseOutage } from './outage';
import { PostgresDatabase } from './postgres';
import { assertPrimary, findPrimary, nodeName, NotPrimaryError, probeNode } from './primary-finder';

/** How long one node may take to say whether it is the primary. */
const PROBE_TIMEOUT_MS = 2_000;
/** Between two rounds of asking every node, while none is the primary (a failover). */
const SEARCH_EVERY_MS = 500;
/**
 * A request that comes while the primary is looked for waits this long for it, then gets 503:
 * a search that finds the primary at once (the pool was dropped after a passing error) costs
 * a few milliseconds, not a failed request; a failover (10 s and more) costs retries.
 */
const WAIT_FOR_PRIMARY_MS = 1_000;

export type FollowEvent =
  | { kind: 'following'; node: string; searchMs: number }
  | { kind: 'lost'; node: string; reason: string }
  | { kind: 'searching'; reason: string; searchMs: number };

export interface FollowingOptions {
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Hears when the primary is lost, looked for and found (the server logs them). */
  onEvent?: (e: FollowEvent) => void;
}

/** SQLSTATE 25006 read_only_sql_transaction: a write reached a standby. */
const READ_ONLY_TRANSACTION = '25006';

/** The error says for sure that the node is not the primary (any more). */
export const isPrimaryMoved = (err: unknown): boolean =>
  err instanceof NotPrimaryError ||
  (err as { code?: string } | null)?.code === READ_ONLY_TRANSACTION;

/**
 * PostgreSQL behind a manager that moves its primary (DATABASE_URLS: every node's URL). It
 * serves every request from one pool and one LISTEN connection on the node that is the primary
 * now, and never from another:
 *
 * - Every new connection is checked with `pg_is_in_recovery()` before its first use
 *   (primary-finder.ts); a standby's is refused.
 * - A write refused as read-only (25006) or a refused connection means the primary moved: the
 *   pool and the LISTEN connection are dropped, the nodes are asked again every 500 ms, and
 *   requests are answered 503 (retry later) meanwhile, `/healthz` included, so readiness drops
 *   for the switch. Other connection errors first ask the followed node again: a passing error
 *   does not drop a healthy pool.
 * - Once one node is the primary, a fresh pool and LISTEN connection open on it; every channel
 *   listened to before is listened to again, and the listener generation changes (notifications
 *   sent across the switch may have been missed; long polls re-query).
 */
export class FollowingPostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private active: { url: string; db: PostgresDatabase; attached: Set<string> } | null = null;
  private searching: Promise<void> | null = null;
  private verifying: Promise<void> | null = null;
  private switches = 0;
  private closed = false;
  private readonly channels = new Map<string, Set<(payload: string) => void>>();

  constructor(
    private readonly urls: readonly string[],
    private readonly o: FollowingOptions = {},
  ) {
    this.search();
  }

  queryPrepared<T>(sql: string, params: unknown[]): Promise<QueryResult<T>> {
    return this.run((db) => db.queryPrepared<T>(sql, params));
  }

  query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    return this.run((db) => db.query<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.run((db) => db.exec(sql));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.run((db) => db.transaction(fn));
  }

  warmUp(): Promise<WarmUpReport> {
    return this.run((db) => db.warmUp());
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(onNotify);
    try {
      await this.run((db) => this.attach(db, channel));
    } catch (err) {
      handlers.delete(onNotify);
      throw err;
    }
    return async () => {
      handlers.delete(onNotify);
    };
  }

  /** Changes with every switch of primary and every reconnect of the LISTEN connection. */
  get listenerGeneration(): number {
    return this.switches * 2 ** 32 + (this.active?.db.listenerGeneration ?? 0);
  }

  /** `host:port` of the primary followed now; null while it is looked for. */
  get primary(): string | null {
    return this.active ? nodeName(this.active.url) : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const active = this.active;
    this.active = null;
    await active?.db.close();
  }

  private async run<T>(fn: (db: PostgresDatabase) => Promise<T>): Promise<T> {
    if (!this.active && this.searching) {
      await Promise.race([this.searching, sleep(WAIT_FOR_PRIMARY_MS, undefined, { ref: false })]);
    }
    const active = this.active;
    if (!active) {
      this.search();
      throw new DatabaseUnavailableError('the database primary is being looked for; retry later');
    }
    try {
      return await fn(active.db);
    } catch (err) {
      if (isPrimaryMoved(err)) {
        this.lose(active, err);
      } else if (isDatabaseOutage(err)) {
        this.verify(active);
      } else {
        throw err;
      }
      throw new DatabaseUnavailableError(
        `the database primary ${nodeName(active.url)} failed; retry later`,
        { cause: err },
      );
    }
  }

  /** LISTEN on the followed node for a channel it does not listen to yet. */
  private async attach(db: PostgresDatabase, channel: string): Promise<void> {
    const active = this.active;
    if (!active || active.db !== db || active.attached.has(channel)) return;
    await db.listen(channel, (payload) => {
      for (const h of this.channels.get(channel) ?? []) h(payload);
    });
    active.attached.add(channel);
  }

  /** After a connection error: is the followed node still the primary? If not, drop it. */
  private verify(active: NonNullable<typeof this.active>): void {
    if (this.verifying || this.active !== active) return;
    this.verifying = probeNode(active.url, PROBE_TIMEOUT_MS)
      .then((p) => {
        if (p.role !== 'primary') {
          this.lose(active, new Error(`${p.node} is ${p.role}${p.error ? ` (${p.error})` : ''}`));
        }
      })
      .finally(() => {
        this.verifying = null;
      });
  }

  private lose(active: NonNullable<typeof this.active>, err: unknown): void {
    if (this.active !== active) return;
    this.active = null;
    this.switches++;
    this.o.onEvent?.({
      kind: 'lost',
      node: nodeName(active.url),
      reason: (err as Error).message ?? String(err),
    });
    // In-flight queries finish or fail on their own; the pool closes once they are back.
    active.db.close().catch(() => undefined);
    this.search();
  }

  /** Asks every node until exactly one is the primary, then follows it. */
  private search(): void {
    if (this.searching || this.closed || this.active) return;
    const startedAt = Date.now();
    this.searching = (async () => {
      let lastReportAt = 0;
      while (!this.closed) {
        try {
          const url = await findPrimary(this.urls, PROBE_TIMEOUT_MS);
          await this.follow(url);
          this.o.onEvent?.({
            kind: 'following',
            node: nodeName(url),
            searchMs: Date.now() - startedAt,
          });
          return;
        } catch (err) {
          // Reported when the search begins and every 5 s after, not every round.
          if (Date.now() - lastReportAt >= 5_000) {
            lastReportAt = Date.now();
            this.o.onEvent?.({
              kind: 'searching',
              reason: (err as Error).message,
              searchMs: Date.now() - startedAt,
            });
          }
          await sleep(SEARCH_EVERY_MS);
        }
      }
    })().finally(() => {
      this.searching = null;
    });
  }

  /** A fresh pool and LISTEN connection on the primary, every known channel listened to. */
  private async follow(url: string): Promise<void> {
    const node = nodeName(url);
    const db = new PostgresDatabase(url, {
      poolSize: this.o.poolSize,
      connectTimeoutMs: this.o.connectTimeoutMs,
      checkConnection: (client) => assertPrimary(client, node),
    });
    this.active = { url, db, attached: new Set<string>() };
    this.switches++;
    try {
      for (const channel of this.channels.keys()) await this.attach(db, channel);
    } catch (err) {
      this.active = null;
      this.switches++;
      await db.close().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      this.active = null;
      await db.close();
    }
  }
}
