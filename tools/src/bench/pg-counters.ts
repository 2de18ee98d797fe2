import type { Client } from 'pg';

/** Cumulative counters of the bench database and of the PostgreSQL server, read at one instant. */
export interface PgCounters {
  /** pg_stat_database.xact_commit of the bench database. */
  commits: number;
  /** pg_stat_wal (whole server: other databases on the machine add to it). */
  walRecords: number;
  walBytes: number;
  walSyncs: number;
  /** Backends connected to the bench database (the data API's pool, its LISTEN connection). */
  backendPids: number[];
  /** walwriter, checkpointer, background writer: shared by every database of the server. */
  auxiliaryPids: number[];
}

const AUXILIARY_TYPES = ['walwriter', 'checkpointer', 'background writer'];

/**
 * Reads the counters through `client`, a connection to the bench database. Backends publish
 * their statistics at most once a second, so a counter may lag by up to a second: over the
 * 20-second windows of the benchmark that is within 5 %.
 */
export async function readPgCounters(client: Client, database: string): Promise<PgCounters> {
  const db = await client.query<{ commits: string }>(
    'SELECT xact_commit::text AS commits FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  const wal = await client.query<{ records: string; bytes: string; syncs: string }>(
    'SELECT wal_records::text AS records, wal_bytes::text AS bytes, wal_sync::text AS syncs FROM pg_stat_wal',
  );
  const activity = await client.query<{
    pid: number;
    datname: string | null;
    backend_type: string;
  }>('SELECT pid, datname, backend_type FROM pg_stat_activity WHERE pid <> pg_backend_pid()');
  return {
    commits: Number(db.rows[0]?.commits ?? 0),
    walRecords: Number(wal.rows[0]?.records ?? 0),
    walBytes: Number(wal.rows[0]?.bytes ?? 0),
    walSyncs: Number(wal.rows[0]?.syncs ?? 0),
    backendPids: activity.rows.filter((r) => r.datname === database).map((r) => r.pid),
    auxiliaryPids: activity.rows
      .filter((r) => AUXILIARY_TYPES.includes(r.backend_type))
      .map((r) => r.pid),
  };
}
