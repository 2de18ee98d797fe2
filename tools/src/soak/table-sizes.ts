import { Client } from 'pg';

/**
 * Sizes of the run's tables, read straight from PostgreSQL (the data API has no size
 * query, and asking through it would add to the load it measures): rows and total bytes
 * (heap, indexes and TOAST, so bloat that vacuum fails to reclaim shows; then the heap, the
 * indexes and the live rows apart, to tell which) of the queue and the
 * dead letters, and rows and bytes of durable role state per owner (process id).
 */

export const TABLE_SIZES_SQL = `
SELECT (SELECT count(*) FROM queue_item)::float8 AS queue_rows,
       pg_total_relation_size('queue_item')::float8 AS queue_bytes,
       pg_relation_size('queue_item')::float8 AS queue_heap_bytes,
       pg_indexes_size('queue_item')::float8 AS queue_index_bytes,
       (SELECT coalesce(sum(pg_column_size(q.*)), 0) FROM queue_item q)::float8 AS queue_live_bytes,
       (SELECT count(*) FROM dead_letter)::float8 AS dead_letter_rows,
       pg_total_relation_size('dead_letter')::float8 AS dead_letter_bytes,
       pg_total_relation_size('durable_state')::float8 AS durable_state_bytes`;

/** Bytes of a row as stored (pg_column_size of the whole row), summed per owner. */
export const DURABLE_STATE_BY_OWNER_SQL = `
SELECT owner, count(*)::float8 AS rows, sum(pg_column_size(d.*))::float8 AS bytes
FROM durable_state d GROUP BY owner`;

/** A sample must not hang on a database that a fault made unreachable. */
const CONNECT_TIMEOUT_MS = 3_000;
const QUERY_TIMEOUT_MS = 5_000;

/**
 * The table series of one sample; {} when the database does not answer. `owners` are the
 * fleet's process ids: one without rows reads 0 rather than vanishing from the chart.
 */
export async function readTableSizes(
  databaseUrl: string,
  owners: readonly string[],
): Promise<Record<string, number>> {
  // A connection per sample (one a minute): nothing to reconnect after a database fault.
  const client = new Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    statement_timeout: QUERY_TIMEOUT_MS,
    application_name: 'paxos-soak-sampler',
  });
  // Without a listener a dropped connection's 'error' event would end the soak.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const totals = await client.query<Record<string, number>>(TABLE_SIZES_SQL);
    const byOwner = await client.query<{ owner: string; rows: number; bytes: number }>(
      DURABLE_STATE_BY_OWNER_SQL,
    );
    const t = totals.rows[0]!;
    const series: Record<string, number> = {
      'queue_item.rows': t.queue_rows!,
      'queue_item.bytes': t.queue_bytes!,
      // Where the bytes are: the table's pages, its indexes, and the rows alive in them.
      'queue_item.heap_bytes': t.queue_heap_bytes!,
      'queue_item.index_bytes': t.queue_index_bytes!,
      'queue_item.live_bytes': t.queue_live_bytes!,
      'dead_letter.rows': t.dead_letter_rows!,
      'dead_letter.bytes': t.dead_letter_bytes!,
      'durable_state.table_bytes': t.durable_state_bytes!,
    };
    for (const owner of owners) {
      series[`durable_state.rows.${owner}`] = 0;
      series[`durable_state.bytes.${owner}`] = 0;
    }
    for (const r of byOwner.rows) {
      series[`durable_state.rows.${r.owner}`] = r.rows;
      series[`durable_state.bytes.${r.owner}`] = r.bytes;
    }
    return series;
  } catch {
    return {};
  } finally {
    await client.end().catch(() => undefined);
  }
}
