import { isDatabaseOutage } from '../src/db/outage';
import { PostgresDatabase } from '../src/db/postgres';
import { describeOnPostgres } from './support/app-harness';

/**
 * One DATABASE_URL in front of a primary that moves (a Kubernetes `-rw` Service) can hand a
 * new connection to a node that has just become a standby. Such a connection must not stay in
 * the pool: its writes are refused (SQLSTATE 25006), answered 503, and the connection closed,
 * so the next request connects again and finds the primary. A session set read-only stands in
 * for the standby here.
 */
describeOnPostgres('a pooled connection that reached a standby (one DATABASE_URL)', () => {
  const table = `standby_connection_${process.pid}`;
  let db: PostgresDatabase;

  beforeAll(async () => {
    db = new PostgresDatabase(process.env.DATABASE_URL!, { poolSize: 1 });
    await db.exec(`CREATE TABLE ${table} (x int)`);
  });
  afterAll(async () => {
    await db.exec(`DROP TABLE IF EXISTS ${table}`);
    await db.close();
  });

  /** The pool's only connection now refuses writes, as a standby's does. */
  const standIn = () => db.exec('SET SESSION default_transaction_read_only = on');

  it('a refused write counts as an outage (503), and the next one runs on a new connection', async () => {
    await standIn();
    const refused = await db.query(`INSERT INTO ${table} VALUES (1)`).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('25006');
    expect(isDatabaseOutage(refused)).toBe(true);
    await db.query(`INSERT INTO ${table} VALUES (2)`);
  });

  it('the same inside a transaction (a step commit)', async () => {
    await standIn();
    const refused = await db
      .transaction((tx) => tx.query(`INSERT INTO ${table} VALUES (3)`))
      .catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('25006');
    await db.transaction((tx) => tx.query(`INSERT INTO ${table} VALUES (4)`));
    const rows = await db.query<{ x: number }>(`SELECT x FROM ${table} ORDER BY x`);
    expect(rows.rows.map((r) => r.x)).toEqual([2, 4]);
  });
});
