import { openTestDatabase, type TestDatabase } from './support/test-database';
import { migrate, splitSqlScript } from '../src/db/migrate';
import { openDatabase } from '../src/db/open';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('migrate');
  });
  afterAll(() => t.drop());

  it('create the tables and are idempotent', async () => {
    expect(await migrate(t.db)).toEqual([]);
    const r = await t.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(r.rows.map((x) => x.table_name)).toEqual(
      expect.arrayContaining(['dead_letter', 'durable_state', 'process_epoch', 'queue_item']),
    );
  });

  it('notify a destination when a message is inserted', async () => {
    const seen: string[] = [];
    const stop = await t.db.listen('queue_item', (p) => seen.push(p));
    await t.db.query(
      "INSERT INTO queue_item (element_identifier, dst, payload) VALUES ('m1', 'acceptor-0', '{}')",
    );
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(seen).toContain('acceptor-0');
  });

  const onPostgres = process.env.DATABASE_URL ? it : it.skip;
  onPostgres(
    'servers starting at once apply each migration exactly once (real PostgreSQL)',
    async () => {
      await t.db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      const servers = await Promise.all(
        [1, 2, 3, 4].map(() => openDatabase({ databaseUrl: t.databaseUrl })),
      );
      try {
        const results = await Promise.all(servers.map((db) => migrate(db)));
        expect(results.flat().sort()).toEqual([
          '001_initial.sql',
          '002_notify_on_release.sql',
          '003_write_order_epoch_lease_retention.sql',
        ]);
      } finally {
        await Promise.all(servers.map((db) => db.close()));
      }
    },
  );

  it('splits scripts without breaking function bodies', () => {
    expect(
      splitSqlScript("SELECT 1; -- x;\nCREATE FUNCTION f() AS $$ a; b $$; SELECT 'a;b'"),
    ).toEqual(['SELECT 1', 'CREATE FUNCTION f() AS $$ a; b $$', "SELECT 'a;b'"]);
  });
});
