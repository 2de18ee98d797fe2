import { callQuery, listen, openTestApp, type TestApp } from './support/app-harness';

interface Retention {
  removedUnknown: number;
  removedDeadLetters: number;
  unknownRows: number;
  deadLetterRows: number;
}

const MINUTE_MS = 60_000;

/** queue_retention: messages for destinations no process ever claimed, and old dead letters. */
describe('queue_retention', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    h = await openTestApp('queue_retention');
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });
  beforeEach(async () => {
    await h.t.db.exec('DELETE FROM queue_item; DELETE FROM dead_letter; DELETE FROM process_epoch');
    await h.t.db.query("INSERT INTO process_epoch (process_id, epoch) VALUES ('acceptor-0', 1)");
  });

  /** Queues a message to `dst` inserted `ageMs` ago. */
  const queued = (id: string, dst: string, ageMs: number) =>
    h.t.db.query(
      `INSERT INTO queue_item (element_identifier, dst, payload, time_inserted)
       VALUES ($1, $2, '{}', now() - $3::int * interval '1 millisecond')`,
      [id, dst, ageMs],
    );
  const deadLetter = (id: string, ageMs: number) =>
    h.t.db.query(
      `INSERT INTO dead_letter (element_identifier, dst, payload, reason, failed_at)
       VALUES ($1, 'acceptor-0', '{}', 'poison', now() - $2::int * interval '1 millisecond')`,
      [id, ageMs],
    );
  const retain = async (batchLimit = 100): Promise<Retention> => {
    const res = await callQuery<Retention>(server.baseUrl, 'queue_retention', {
      unknownAfterMs: 10 * MINUTE_MS,
      deadLetterAfterMs: 60 * MINUTE_MS,
      batchLimit,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    return res.body.data![0]!;
  };
  const ids = async (table: string) =>
    (
      await h.t.db.query<{ id: string }>(
        `SELECT element_identifier AS id FROM ${table} ORDER BY element_identifier`,
      )
    ).rows.map((r) => r.id);

  it('removes old messages of unknown destinations and old dead letters, and counts the rest', async () => {
    await queued('known-old', 'acceptor-0', 120 * MINUTE_MS); // a backlog for a member: kept
    await queued('ghost-old-1', 'ghost', 30 * MINUTE_MS);
    await queued('ghost-old-2', 'ghost', 20 * MINUTE_MS);
    await queued('ghost-new', 'ghost', MINUTE_MS); // too young yet
    await queued('phantom-old', 'phantom', 11 * MINUTE_MS);
    await deadLetter('dead-old', 61 * MINUTE_MS);
    await deadLetter('dead-new', 59 * MINUTE_MS);

    expect(await retain()).toEqual({
      removedUnknown: 3,
      removedDeadLetters: 1,
      unknownRows: 1,
      deadLetterRows: 1,
    });
    expect(await ids('queue_item')).toEqual(['ghost-new', 'known-old']);
    expect(await ids('dead_letter')).toEqual(['dead-new']);
    // Nothing more to do: a second run removes nothing and reports the same rest.
    expect(await retain()).toEqual({
      removedUnknown: 0,
      removedDeadLetters: 0,
      unknownRows: 1,
      deadLetterRows: 1,
    });
  });

  it('removes at most batchLimit of each per call, oldest first', async () => {
    for (let i = 0; i < 5; i++) await queued(`ghost-${i}`, 'ghost', (50 - i) * MINUTE_MS);
    for (let i = 0; i < 3; i++) await deadLetter(`dead-${i}`, (90 - i) * MINUTE_MS);

    expect(await retain(2)).toEqual({
      removedUnknown: 2,
      removedDeadLetters: 2,
      unknownRows: 3,
      deadLetterRows: 1,
    });
    expect(await ids('queue_item')).toEqual(['ghost-2', 'ghost-3', 'ghost-4']);
    expect(await ids('dead_letter')).toEqual(['dead-2']);
    expect(await retain(2)).toMatchObject({ removedUnknown: 2, unknownRows: 1 });
    expect(await retain(2)).toMatchObject({ removedUnknown: 1, unknownRows: 0, deadLetterRows: 0 });
  });

  it('keeps every message of a destination once its process has claimed an epoch', async () => {
    await queued('late-starter-1', 'replica-9', 30 * MINUTE_MS);
    await h.t.db.query("INSERT INTO process_epoch (process_id, epoch) VALUES ('replica-9', 1)");
    expect(await retain()).toMatchObject({ removedUnknown: 0, unknownRows: 0 });
    expect(await ids('queue_item')).toEqual(['late-starter-1']);
  });

  it('answers one row of zeros on empty tables', async () => {
    expect(await retain()).toEqual({
      removedUnknown: 0,
      removedDeadLetters: 0,
      unknownRows: 0,
      deadLetterRows: 0,
    });
  });
});
