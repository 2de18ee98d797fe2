import { setTimeout as sleep } from 'node:timers/promises';
import { VacuumScheduler } from '../src/db/vacuum-scheduler';
import { openTestDatabase, type TestDatabase } from './support/test-database';

describe(`the data API vacuums churned tables (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('vacuum');
  });
  afterAll(async () => {
    await t.drop();
  });

  const vacuumCount = async (table: string): Promise<number> => {
    const r = await t.db.query<{ n: string }>(
      'SELECT vacuum_count::text AS n FROM pg_stat_user_tables WHERE relname = $1',
      [table],
    );
    return Number(r.rows[0]?.n ?? 0);
  };

  it('vacuums once, shortly after writes, and not at all while nothing is written', async () => {
    const scheduler = new VacuumScheduler(t.db, ['queue_item', 'durable_state'], 50, undefined, 5);
    const before = await vacuumCount('queue_item');
    await sleep(200);
    expect(scheduler.rounds).toBe(0);

    // A burst of queue churn: inserted, then acked.
    await t.db.query(
      "INSERT INTO queue_item (element_identifier, dst, payload) SELECT 'm' || i, 'acceptor-0', '{}' FROM generate_series(1, 500) AS i",
    );
    await t.db.query("DELETE FROM queue_item WHERE dst = 'acceptor-0'");
    // Four writes are not worth a round; the fifth is.
    for (let i = 0; i < 4; i++) scheduler.noteWrites();
    await sleep(150);
    expect(scheduler.rounds).toBe(0);
    for (let i = 0; i < 6; i++) scheduler.noteWrites();
    for (let i = 0; i < 100 && scheduler.rounds === 0; i++) await sleep(20);
    expect(scheduler.rounds).toBe(1);
    expect(await vacuumCount('queue_item')).toBe(before + 1);

    // Ten writes made one round; quiet afterwards.
    await sleep(200);
    expect(scheduler.rounds).toBe(1);
    scheduler.close();
  });

  it('never vacuums when switched off (0), leaving it to autovacuum', async () => {
    const scheduler = new VacuumScheduler(t.db, ['queue_item'], 0, undefined, 1);
    scheduler.noteWrites();
    await sleep(100);
    expect(scheduler.rounds).toBe(0);
    scheduler.close();
  });

  it('survives a failed round (an unknown table) without throwing', async () => {
    const scheduler = new VacuumScheduler(t.db, ['no_such_table'], 20, undefined, 1);
    scheduler.noteWrites();
    await sleep(150);
    expect(scheduler.rounds).toBe(0);
    scheduler.close();
  });
});
