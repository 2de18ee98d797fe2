/**
 * `npx tsx tools/src/bench/hop-anatomy.ts [--rounds N] [--workers N] [--seconds S]`
 *
 * Where the time of one hop goes. Every message costs its sender a step commit and its
 * receiver a claim, each one HTTP request to the data API, which runs one SQL statement
 * and waits for its commit to reach the disk. This runs the project's own queries (no role
 * services) against a fresh database, one at a time, both through the local Neurelo server
 * and straight on PostgreSQL with the same SQL, so the difference is what the HTTP hop and
 * the server add. Then it runs step commits from several workers at once, to show the data
 * API's ceiling in commits/s next to PostgreSQL's.
 */
import 'dotenv/config';
import { loadQueries, type CustomQuery } from '@paxos/neurelo-local';
import { DataApiClient } from '@paxos/shared';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Client } from 'pg';
import { Fleet } from '../fleet/fleet';
import { REPO_ROOT } from '../fleet/topology';
import { percentile } from '../workload/stats';
import {
  adminDatabaseUrl,
  benchDatabaseName,
  connect,
  createDatabase,
  dropDatabase,
} from './bench-database';
import { fmt, formatTable } from './table';

interface Options {
  rounds: number;
  workers: number;
  seconds: number;
  basePort: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rounds: 300, workers: 8, seconds: 5, basePort: 7890 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${argv[i]} needs a whole number`);
    if (argv[i] === '--rounds') o.rounds = value;
    else if (argv[i] === '--workers') o.workers = value;
    else if (argv[i] === '--seconds') o.seconds = value;
    else if (argv[i] === '--base-port') o.basePort = value;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

/** A message about the size of a p2a carrying a small batch of commands. */
const PAYLOAD = JSON.stringify({ type: 'p2a', pad: 'x'.repeat(480) });

/** The two ways to run a custom query: through the data API, or its SQL on a pg connection. */
type Runner = (name: string, variables: Record<string, string | number>) => Promise<unknown[]>;

function apiRunner(client: DataApiClient, queries: Map<string, CustomQuery>): Runner {
  return async (name, variables) =>
    (await client.custom(name, queries.get(name)!.method, variables)).rows;
}

function pgRunner(pg: Client, queries: Map<string, CustomQuery>): Runner {
  return async (name, variables) => {
    const q = queries.get(name)!;
    return (
      await pg.query(
        q.sql,
        q.parameters.map((p) => variables[p]),
      )
    ).rows;
  };
}

/** One step's worth of work for `processId`: lease one message, then commit ack + put + 3 sends. */
async function leaseOne(run: Runner, processId: string, epoch: number): Promise<string> {
  await run('queue_push', {
    messages: JSON.stringify([{ id: randomUUID(), dst: processId, payload: PAYLOAD }]),
  });
  const rows = (await run('queue_claim', {
    dst: processId,
    owner: `${processId}#${epoch}`,
    limit: 1,
    leaseMs: 30_000,
  })) as Array<{ element_identifier: string }>;
  return rows[0]!.element_identifier;
}

function stepCommitVariables(
  processId: string,
  epoch: number,
  acks: string[],
  n: number,
  sendCount = 3,
) {
  return {
    processId,
    epoch,
    // Each measured commit is a new write of this epoch, as a role's would be.
    writeSeq: n + 1,
    acks: JSON.stringify(acks),
    puts: JSON.stringify([
      { key: 'ballot', slot: null, value: { round: n, leaderId: 'leader-0' } },
    ]),
    truncateBelow: 0,
    sends: JSON.stringify(
      ['acceptor-0', 'acceptor-1', 'acceptor-2'].slice(0, sendCount).map((dst) => ({
        id: randomUUID(),
        dst: `${dst}-sink`,
        payload: PAYLOAD,
      })),
    ),
  };
}

/** One holder for the whole run, so every claim is granted at once (a new epoch each time). */
const ANATOMY_HOLDER = `hop-anatomy-${randomUUID()}`;
const epochClaimOf = (processId: string) => ({ processId, holder: ANATOMY_HOLDER, leaseMs: 1_000 });

async function epochOf(run: Runner, processId: string): Promise<number> {
  const rows = (await run('epoch_claim', epochClaimOf(processId))) as Array<{ epoch: number }>;
  return Number(rows[0]!.epoch);
}

interface Timing {
  operation: string;
  via: string;
  p50: number;
  p99: number;
  mean: number;
}

/** Times `timed` `rounds` times in a row; `prepare` runs before each round, untimed. */
async function sequential(
  operation: string,
  via: string,
  rounds: number,
  timed: (n: number, prepared: string) => Promise<unknown>,
  prepare: () => Promise<string> = async () => '',
): Promise<Timing> {
  const ms: number[] = [];
  for (let n = 0; n < rounds; n++) {
    const prepared = await prepare();
    const t0 = performance.now();
    await timed(n, prepared);
    ms.push(performance.now() - t0);
  }
  return {
    operation,
    via,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
  };
}

/**
 * Step commits (put + `sendCount` sends) from `workers` concurrent processes for `seconds`.
 * With sends, the queue's insert trigger NOTIFYs, and PostgreSQL serialises the commits of
 * notifying transactions (one global lock, held through the WAL flush); without, commits
 * of different backends share flushes (group commit). Both are measured.
 */
async function concurrentCommits(
  runners: Runner[],
  seconds: number,
  tag: string,
  sendCount: number,
): Promise<{ perSecond: number; meanMs: number }> {
  const deadline = performance.now() + seconds * 1000;
  let commits = 0;
  let totalMs = 0;
  await Promise.all(
    runners.map(async (run, w) => {
      const processId = `anatomy-${tag}-${w}`;
      const epoch = await epochOf(run, processId);
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now();
        await run('step_commit', stepCommitVariables(processId, epoch, [], n, sendCount));
        totalMs += performance.now() - t0;
        commits += 1;
      }
    }),
  );
  return { perSecond: commits / seconds, meanMs: totalMs / commits };
}

async function main(o: Options): Promise<void> {
  const adminUrl = adminDatabaseUrl();
  const databaseName = benchDatabaseName('anatomy');
  const databaseUrl = await createDatabase(adminUrl, databaseName);
  const fleet = new Fleet({
    acceptors: 0,
    leaders: 0,
    replicas: 0,
    basePort: o.basePort,
    workDir: path.join(REPO_ROOT, '.fleet', 'bench-anatomy'),
    databaseUrl,
  });
  const pgs: Client[] = [];
  const clients: DataApiClient[] = [];
  try {
    await fleet.up();
    const queries = new Map(loadQueries().map((q) => [q.name, q]));
    for (let i = 0; i < o.workers; i++) {
      pgs.push(await connect(databaseUrl));
      clients.push(new DataApiClient({ baseUrl: fleet.apiBase, apiKey: fleet.apiKey }));
    }
    const via = {
      api: apiRunner(clients[0]!, queries),
      pg: pgRunner(pgs[0]!, queries),
    };
    const timings: Timing[] = [];
    for (const [name, run] of Object.entries(via)) {
      console.error(`timing ${o.rounds} rounds of each query via ${name}...`);
      timings.push(
        await sequential('durable_load (read)', name, o.rounds, () =>
          run('durable_load', { owner: 'nobody' }),
        ),
      );
      timings.push(
        await sequential('epoch_claim (1-row write + commit)', name, o.rounds, () =>
          run('epoch_claim', epochClaimOf(`anatomy-epoch-${name}`)),
        ),
      );
      const pushed = await sequential('queue_push (1 message)', name, o.rounds, () =>
        run('queue_push', {
          messages: JSON.stringify([
            { id: randomUUID(), dst: `push-sink-${name}`, payload: PAYLOAD },
          ]),
        }),
      );
      timings.push(pushed);
      const processId = `anatomy-${name}`;
      const epoch = await epochOf(run, processId);
      timings.push(
        await sequential(
          'queue_claim (1 message waiting)',
          name,
          o.rounds,
          () =>
            run('queue_claim', {
              dst: processId,
              owner: `${processId}#${epoch}`,
              limit: 1,
              leaseMs: 30_000,
            }),
          async () => {
            await run('queue_push', {
              messages: JSON.stringify([{ id: randomUUID(), dst: processId, payload: PAYLOAD }]),
            });
            return '';
          },
        ),
      );
      timings.push(
        await sequential(
          'step_commit (ack 1, put 1, send 3)',
          name,
          o.rounds,
          (n, id) => run('step_commit', stepCommitVariables(processId, epoch, [id], n)),
          () => leaseOne(run, processId, epoch),
        ),
      );
    }
    console.log(`\nOne at a time (${o.rounds} rounds each), ms`);
    console.log(
      formatTable(
        ['operation', 'via', 'p50', 'p99', 'mean'],
        timings.map((t) => [t.operation, t.via, fmt(t.p50, 2), fmt(t.p99, 2), fmt(t.mean, 2)]),
      ),
    );
    console.error(`\nstep commits from ${o.workers} workers at once, ${o.seconds} s each...`);
    const rows: Array<[string, string, string, string]> = [];
    for (const sendCount of [3, 0]) {
      for (const [name, runners] of [
        ['api', clients.map((c) => apiRunner(c, queries))],
        ['pg', pgs.map((c) => pgRunner(c, queries))],
      ] as const) {
        const r = await concurrentCommits(
          [...runners],
          o.seconds,
          `${name}${sendCount}`,
          sendCount,
        );
        rows.push([name, `put 1, send ${sendCount}`, fmt(r.perSecond), fmt(r.meanMs, 2)]);
      }
    }
    console.log(`\nStep commits from ${o.workers} concurrent workers`);
    console.log(formatTable(['via', 'commit', 'commits/s', 'mean ms'], rows));
  } finally {
    for (const c of clients) c.close();
    for (const pg of pgs) await pg.end().catch(() => undefined);
    await fleet.down();
    await dropDatabase(adminUrl, databaseName);
  }
}

main(parseOptions(process.argv.slice(2))).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('hop anatomy failed:', err);
    process.exit(1);
  },
);
