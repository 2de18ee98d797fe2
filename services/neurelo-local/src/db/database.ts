/**
 * The storage under the local Neurelo server: a real PostgreSQL (DATABASE_URL) or an
 * embedded PGlite (in memory, or in a data folder so it survives restarts). Everything
 * above this file speaks only this interface.
 */
export interface QueryResult<T> {
  rows: T[];
  /** Rows returned, or rows written for a statement without RETURNING. */
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Database extends Queryable {
  /**
   * Like query, for a fixed statement run again and again (the custom queries): the storage
   * may keep it prepared on each connection, so it is parsed and planned once, not per call.
   */
  queryPrepared<T = Record<string, unknown>>(
    sql: string,
    params: unknown[],
  ): Promise<QueryResult<T>>;
  readonly kind: 'postgres' | 'pglite';
  /** Runs several statements in one transaction (migrations, admin work). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Subscribes to NOTIFY on `channel`; resolves to an unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Changes whenever the connection that receives notifications is lost or opened again:
   * notifications sent across a change may never have arrived. Absent when they cannot be lost
   * (PGlite delivers them in-process).
   */
  readonly listenerGeneration?: number;
  close(): Promise<void>;
  /**
   * Opens the connections a pool may hold, once, at start-up, and says how it went: later
   * requests then find them open instead of each opening its own under load. Storage
   * without a pool (PGlite) has nothing to do.
   */
  warmUp?(): Promise<WarmUpReport>;
}

export interface WarmUpReport {
  opened: number;
  failed: number;
  ms: number;
  /** The first failure's message, when one failed. */
  firstError?: string;
}

/** The database could not be reached or failed for a reason that is not the request's fault. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}
