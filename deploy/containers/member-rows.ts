/** A member's rows once it left the configuration: retiring them, and counting them. */
import { sleep } from './fleet-http';
import type { ComposeProject } from './podman';

export interface RetireRow {
  retired: boolean;
  queueRows: number;
  stateRows: number;
  epochRows: number;
  queueRowsLeft: number;
  retryInMs: number;
}

/**
 * The retire command of docs/deployment-membership.md: member_retire through the data API, from inside the neurelo
 * container (the data API is not published). Called again while the lease of a process still
 * holding the id runs, and while queued messages are left.
 */
const RETIRE_SCRIPT =
  'fetch("http://127.0.0.1:8080/custom/member_retire", {method: "POST", headers: ' +
  '{"x-api-key": process.env.NEURELO_API_KEY, "content-type": "application/json"}, ' +
  'body: JSON.stringify({processId: process.argv[1], batchLimit: 100000})})' +
  '.then((r) => r.text()).then(console.log)';

export async function retireRows(project: ComposeProject, id: string): Promise<RetireRow> {
  const total: RetireRow = {
    retired: false,
    queueRows: 0,
    stateRows: 0,
    epochRows: 0,
    queueRowsLeft: 0,
    retryInMs: 0,
  };
  for (let call = 0; call < 10; call++) {
    const r = await project.exec('neurelo', ['node', '-e', RETIRE_SCRIPT, id]);
    const row = (JSON.parse(r.stdout || '{}') as { data?: RetireRow[] }).data?.[0];
    if (!row) throw new Error(`member_retire answered ${r.stdout}${r.stderr}`);
    total.queueRows += row.queueRows;
    total.stateRows += row.stateRows;
    total.epochRows += row.epochRows;
    total.retired = row.retired;
    total.queueRowsLeft = row.queueRowsLeft;
    if (row.retired && row.queueRowsLeft === 0) break;
    await sleep(row.retired ? 0 : row.retryInMs);
  }
  return total;
}

export interface Rows {
  queue: number;
  state: number;
  epoch: number;
}

export const describeRows = (r: Rows): string =>
  `${r.queue} queued for it, ${r.state} durable_state, ${r.epoch} process_epoch`;

/** Counted in PostgreSQL itself, not through the query under test. */
export async function rowsOf(project: ComposeProject, id: string): Promise<Rows> {
  const sql =
    `SELECT (SELECT count(*) FROM queue_item WHERE dst = '${id}') || ' ' || ` +
    `(SELECT count(*) FROM durable_state WHERE owner = '${id}') || ' ' || ` +
    `(SELECT count(*) FROM process_epoch WHERE process_id = '${id}')`;
  const r = await project.exec('postgres', [
    'sh',
    '-c',
    `psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "${sql}"`,
  ]);
  const [queue, state, epoch] = r.stdout.trim().split(' ').map(Number);
  if (r.code !== 0 || queue === undefined || Number.isNaN(queue)) {
    throw new Error(`counting ${id}'s rows: ${r.stdout}${r.stderr}`);
  }
  return { queue, state: state ?? NaN, epoch: epoch ?? NaN };
}
