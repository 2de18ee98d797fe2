import path from 'node:path';
import request from 'supertest';
import { loadQueries } from '../src/custom/query-file';
import { NEURELO_DIR } from '../src/schema/schema';
import { messages, openTestApp, READ_WRITE_KEY, type TestApp } from './support/app-harness';

const SOFT_LEASE_QUERIES = path.join(NEURELO_DIR, 'variants', 'soft-lease', 'queries');

interface Claimed {
  element_identifier: string;
  payload: string;
  attempts: number;
  seq: number;
}

/** The queue's custom queries through the real app, on PGlite or PostgreSQL. */
describe('queue queries', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('queue_queries');
  });
  afterAll(() => h.close());
  beforeEach(() => h.t.db.query('DELETE FROM queue_item'));

  const call = async <T = Record<string, unknown>>(
    name: string,
    variables: object,
  ): Promise<T[]> => {
    const res = await request(h.app)
      .post(`/custom/${name}`)
      .set('X-API-KEY', READ_WRITE_KEY)
      .send(variables);
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { data: T[] }).data;
  };
  const claim = (dst: string, owner: string, limit = 10, leaseMs = 60_000) =>
    call<Claimed>('queue_claim', { dst, owner, limit, leaseMs });
  const ids = (rows: Claimed[]) => rows.map((r) => r.element_identifier);

  it('queue_push inserts in array order and skips ids already queued', async () => {
    expect(await call('queue_push', { messages: messages('d', ['m3', 'm1', 'm2']) })).toEqual([
      { inserted: 3 },
    ]);
    expect(await call('queue_push', { messages: messages('d', ['m1', 'm4']) })).toEqual([
      { inserted: 1 },
    ]);
    expect(ids(await claim('d', 'c#1'))).toEqual(['m3', 'm1', 'm2', 'm4']);
  });

  it('queue_push refuses a message without an id or destination (400)', async () => {
    const res = await request(h.app)
      .post('/custom/queue_push')
      .set('X-API-KEY', READ_WRITE_KEY)
      .send({ messages: JSON.stringify([{ dst: 'd', payload: '{}' }]) })
      .expect(400);
    expect(res.body.errors[0].details.code).toBe('23502');
  });

  it('queue_claim leases the oldest messages of one destination, up to the limit', async () => {
    await call('queue_push', { messages: messages('d', ['a', 'b', 'c']) });
    await call('queue_push', { messages: messages('other', ['x']) });
    const first = await claim('d', 'c#1', 2);
    expect(first).toEqual([
      { element_identifier: 'a', payload: '{"id":"a"}', attempts: 1, seq: expect.any(Number) },
      { element_identifier: 'b', payload: '{"id":"b"}', attempts: 1, seq: expect.any(Number) },
    ]);
    expect(first[0]!.seq).toBeLessThan(first[1]!.seq);
    // Leased messages are invisible to everyone until acked, released or expired.
    expect(ids(await claim('d', 'c#2'))).toEqual(['c']);
    expect(await claim('d', 'c#3')).toEqual([]);
    const depth = await request(h.app)
      .get('/custom/queue_depth')
      .set('X-API-KEY', READ_WRITE_KEY)
      .expect(200);
    expect(depth.body).toEqual({
      data: [
        { dst: 'd', depth: 3, leased: 3 },
        { dst: 'other', depth: 1, leased: 0 },
      ],
    });
  });

  it('queue_claim refuses a negative limit (400)', async () => {
    await request(h.app)
      .post('/custom/queue_claim')
      .set('X-API-KEY', READ_WRITE_KEY)
      .send({ dst: 'd', owner: 'c#1', limit: -1, leaseMs: 1_000 })
      .expect(400);
  });

  it('a message whose lease runs out comes back, to a new owner, oldest first', async () => {
    await call('queue_push', { messages: messages('d', ['late-1', 'late-2']) });
    expect(ids(await claim('d', 'dead#1', 1, 300))).toEqual(['late-1']);
    expect(ids(await claim('d', 'live#1', 1))).toEqual(['late-2']);
    await new Promise((r) => setTimeout(r, 400));
    const again = await claim('d', 'live#1');
    expect(again).toEqual([expect.objectContaining({ element_identifier: 'late-1', attempts: 2 })]);
    // The first holder lost it: its late ack does nothing, the new holder's ack counts.
    expect(await call('queue_ack', { owner: 'dead#1', ids: '["late-1"]' })).toEqual([{ acked: 0 }]);
    expect(await call('queue_ack', { owner: 'live#1', ids: '["late-1","late-2"]' })).toEqual([
      { acked: 2 },
    ]);
  });

  it('queue_ack deletes only what the owner holds', async () => {
    await call('queue_push', { messages: messages('d', ['a', 'b', 'c']) });
    await claim('d', 'c#1', 2);
    expect(await call('queue_ack', { owner: 'c#2', ids: '["a","b"]' })).toEqual([{ acked: 0 }]);
    expect(await call('queue_ack', { owner: 'c#1', ids: '["a","b","c"]' })).toEqual([{ acked: 2 }]);
    expect(ids(await claim('d', 'c#1'))).toEqual(['c']);
  });

  it("queue_release hands the owner's messages back at once, not counting the claim", async () => {
    await call('queue_push', { messages: messages('d', ['a', 'b']) });
    await claim('d', 'c#1');
    expect(await call('queue_release', { owner: 'c#2', ids: '["a"]' })).toEqual([{ released: 0 }]);
    expect(await call('queue_release', { owner: 'c#1', ids: '["a"]' })).toEqual([{ released: 1 }]);
    // Handed back unhandled: that claim was no attempt, so the next one is the first again.
    expect(await claim('d', 'c#2')).toEqual([
      expect.objectContaining({ element_identifier: 'a', attempts: 1 }),
    ]);
    // attempts never goes below 0, even for a row someone set to 0 while it was leased.
    await h.t.db.query("UPDATE queue_item SET attempts = 0 WHERE element_identifier = 'a'");
    expect(await call('queue_release', { owner: 'c#2', ids: '["a"]' })).toEqual([{ released: 1 }]);
    const attempts = await h.t.db.query(
      "SELECT attempts FROM queue_item WHERE element_identifier = 'a'",
    );
    expect(attempts.rows).toEqual([{ attempts: 0 }]);
  });

  it('queue_dead_letter moves a held message with its reason, and only for its holder', async () => {
    await call('queue_push', { messages: messages('d', ['poison']) });
    await claim('d', 'c#1');
    const move = { id: 'poison', reason: 'payload is not a message' };
    expect(await call('queue_dead_letter', { ...move, owner: 'c#2' })).toEqual([{ moved: 0 }]);
    expect(await call('queue_dead_letter', { ...move, owner: 'c#1' })).toEqual([{ moved: 1 }]);
    const dead = await h.t.db.query(
      'SELECT element_identifier, dst, payload, reason, attempts FROM dead_letter',
    );
    expect(dead.rows).toEqual([
      {
        element_identifier: 'poison',
        dst: 'd',
        payload: '{"id":"poison"}',
        reason: 'payload is not a message',
        attempts: 1,
      },
    ]);
    expect((await h.t.db.query('SELECT 1 FROM queue_item')).rowCount).toBe(0);
  });

  it('queue_claim waits for the WAL flush; the soft-lease bench variant does not, and only for itself', async () => {
    const settingInsideClaim = async (dir?: string) => {
      const claimQuery = loadQueries(dir).find((q) => q.name === 'queue_claim')!;
      await call('queue_push', { messages: messages('soft', [`s-${dir ?? 'default'}`]) });
      const variables: Record<string, unknown> = {
        dst: 'soft',
        owner: 'c#1',
        limit: 1,
        leaseMs: 60_000,
      };
      const params = claimQuery.parameters.map((name) => variables[name]);
      const inside = await h.t.db.transaction(async (tx) => {
        const claimed = await tx.query(claimQuery.sql, params);
        const setting = await tx.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
        return { claimed: claimed.rowCount, setting: setting.rows[0]!.synchronous_commit };
      });
      // Whatever the claim did, the connection's next transaction (a push, a step commit)
      // waits for the flush again.
      const after = await h.t.db.transaction((tx) =>
        tx.query<{ synchronous_commit: string }>('SHOW synchronous_commit'),
      );
      return { ...inside, after: after.rows[0]!.synchronous_commit };
    };
    expect(await settingInsideClaim()).toEqual({ claimed: 1, setting: 'on', after: 'on' });
    expect(await settingInsideClaim(SOFT_LEASE_QUERIES)).toEqual({
      claimed: 1,
      setting: 'off',
      after: 'on',
    });
  });
});
