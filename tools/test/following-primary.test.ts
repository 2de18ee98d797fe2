/**
 * The data API's way to the primary of a highly available PostgreSQL (DATABASE_URLS), on real
 * PostgreSQL servers of the test's own: a primary, and a standby (a server started in recovery
 * with standby.signal, which answers reads and refuses writes as a streaming standby does).
 * A failover is staged by hand: the primary crashes or is restarted as a standby, and the
 * standby is promoted with pg_promote().
 */
import { createApp } from '@paxos/neurelo-local/src/app';
import { loadQueries } from '@paxos/neurelo-local/src/custom/query-file';
import { DatabaseUnavailableError } from '@paxos/neurelo-local/src/db/database';
import {
  FollowingPostgresDatabase,
  isPrimaryMoved,
  type FollowEvent,
} from '@paxos/neurelo-local/src/db/following-postgres';
import { PostgresDatabase } from '@paxos/neurelo-local/src/db/postgres';
import {
  assertPrimary,
  findPrimary,
  NoPrimaryError,
  NotPrimaryError,
  probeNode,
} from '@paxos/neurelo-local/src/db/primary-finder';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import request from 'supertest';
import { loadSchema } from '@paxos/neurelo-local/src/schema/schema';
import { freePort, PrivatePostgres } from '../src/chaos/private-postgres';

const binaries = PrivatePostgres.findBinaries();
const describeWithServers = (name: string, fn: () => void): void =>
  binaries
    ? describe(name, fn)
    : describe.skip(`${name} [skipped: needs PostgreSQL server binaries (initdb, pg_ctl)]`, fn);

jest.setTimeout(120_000);

/** Restarts a server in recovery: it answers as a standby until promoted. */
async function makeStandby(pg: PrivatePostgres): Promise<void> {
  await pg.crash();
  writeFileSync(path.join(pg.dataDir, 'standby.signal'), '');
  await pg.start();
}

async function sql(url: string, text: string): Promise<unknown[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

/** Retries `fn` while it throws DatabaseUnavailableError (the data API's 503), up to `timeoutMs`. */
async function until<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError) || Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

describeWithServers('finding and following the primary (real PostgreSQL servers)', () => {
  let a: PrivatePostgres;
  let b: PrivatePostgres;
  let downUrl: string;

  beforeEach(async () => {
    [a, b] = await Promise.all([PrivatePostgres.create(), PrivatePostgres.create()]);
    // Two separate clusters, each with its own table t: which node answered shows in the rows.
    await Promise.all([a, b].map((pg) => sql(pg.adminUrl, 'CREATE TABLE t (v int)')));
    await makeStandby(b);
    downUrl = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
  });
  afterEach(() => {
    a.destroy();
    b.destroy();
  });

  it('finds the one primary among a primary, a standby and a node that is down', async () => {
    expect(await findPrimary([downUrl, b.adminUrl, a.adminUrl], 2_000)).toBe(a.adminUrl);
    expect((await probeNode(b.adminUrl, 2_000)).role).toBe('standby');
    const down = await probeNode(downUrl, 2_000);
    expect(down.role).toBe('unreachable');
    expect(down.error).toMatch(/ECONNREFUSED/);
  });

  it('finds none when no node is the primary, or when two say they are', async () => {
    await expect(findPrimary([b.adminUrl, downUrl], 2_000)).rejects.toThrow(NoPrimaryError);
    await expect(findPrimary([b.adminUrl, downUrl], 2_000)).rejects.toThrow(
      /no single primary among the database nodes: 127\.0\.0\.1:\d+ standby, 127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED/,
    );
    // Two primaries: the standby promoted while the old primary still runs (a cut-off primary
    // that has not yet noticed). Neither is followed.
    await sql(b.adminUrl, 'SELECT pg_promote()');
    await expect(findPrimary([a.adminUrl, b.adminUrl], 2_000)).rejects.toThrow(NoPrimaryError);
  });

  it('refuses a connection to a standby, and reads a write refused by a standby as the primary moved', async () => {
    const c = new Client({ connectionString: b.adminUrl });
    await c.connect();
    try {
      await expect(assertPrimary(c, 'b')).rejects.toThrow(NotPrimaryError);
      const refused = await c.query('INSERT INTO t VALUES (1)').then(
        () => null,
        (err: unknown) => err,
      );
      expect((refused as { code?: string }).code).toBe('25006');
      expect(isPrimaryMoved(refused)).toBe(true);
      expect(isPrimaryMoved(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    } finally {
      await c.end();
    }
  });

  it('follows the primary, answers 503 during a failover, then follows the promoted standby with its LISTEN channels', async () => {
    const events: FollowEvent[] = [];
    const db = new FollowingPostgresDatabase([a.adminUrl, b.adminUrl], {
      connectTimeoutMs: 1_000,
      onEvent: (e) => events.push(e),
    });
    // The data API's readiness is its /healthz, a query through the same database.
    const app = createApp({
      db,
      schema: loadSchema(),
      queries: loadQueries(),
      apiKeys: { readWrite: ['following-primary-test'], readOnly: [] },
    });
    const ready = async () => (await request(app).get('/healthz')).status;
    try {
      await until(() => db.query('INSERT INTO t VALUES (1)'));
      expect(db.primary).toBe(`127.0.0.1:${a.port}`);
      const heard: string[] = [];
      await db.listen('ch', (p) => heard.push(p));
      const generationBefore = db.listenerGeneration;

      // The primary is lost; nobody is promoted yet: every request is 503, readiness too.
      await a.crash();
      await expect(db.query('SELECT 1')).rejects.toThrow(DatabaseUnavailableError);
      await sleep(1_500);
      await expect(db.query('SELECT 1')).rejects.toThrow(DatabaseUnavailableError);
      expect(db.primary).toBeNull();
      expect(await ready()).toBe(503);

      await sql(b.adminUrl, 'SELECT pg_promote()');
      await until(() => db.query('INSERT INTO t VALUES (2)'));
      expect(db.primary).toBe(`127.0.0.1:${b.port}`);
      expect(await ready()).toBe(200);
      expect(db.listenerGeneration).not.toBe(generationBefore);
      // The channel is listened to on the new primary without being asked again.
      await sql(b.adminUrl, "NOTIFY ch, 'after the failover'");
      for (let i = 0; i < 50 && heard.length === 0; i++) await sleep(100);
      expect(heard).toEqual(['after the failover']);
      expect(events.map((e) => e.kind)).toEqual(
        expect.arrayContaining(['following', 'lost', 'searching', 'following']),
      );
    } finally {
      await db.close();
    }
  });

  it('never serves a read from a node demoted while its pool was idle; a plain pool would', async () => {
    const db = new FollowingPostgresDatabase([a.adminUrl, b.adminUrl], { connectTimeoutMs: 1_000 });
    const plain = new PostgresDatabase(a.adminUrl, { connectTimeoutMs: 1_000 });
    try {
      await until(() => db.query('INSERT INTO t VALUES (1)'));
      await plain.query('SELECT 1');
      // A is restarted as a standby and B promoted, with no request in between: the pools
      // only see their idle connections close.
      await makeStandby(a);
      await sql(b.adminUrl, 'SELECT pg_promote()');
      await sql(b.adminUrl, 'INSERT INTO t VALUES (2)');

      const read = 'SELECT array_agg(v ORDER BY v) AS v FROM t';
      // Without the check, the old address serves a stale read (the new primary's 2 is not there).
      const stale = await until(() => plain.query<{ v: number[] }>(read));
      expect(stale.rows[0]!.v).toEqual([1]);
      // The following database refuses the demoted node's fresh connection and moves to B.
      await expect(db.query(read)).rejects.toThrow(DatabaseUnavailableError);
      const fresh = await until(() => db.query<{ v: number[] }>(read));
      expect(fresh.rows[0]!.v).toEqual([2]);
      expect(db.primary).toBe(`127.0.0.1:${b.port}`);
    } finally {
      await db.close();
      await plain.close();
    }
  });
});
