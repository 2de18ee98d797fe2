import { DataApiClient, QueueApi } from '@paxos/shared';
import { callQuery, listen, openTestApp, type TestApp } from './support/app-harness';

const API_KEY = 'neurelo_test_read_write';
const LEASE_MS = 60_000;

/**
 * member_retire through the typed client (QueueApi.retireMember) against the real local
 * server: a removed member's queued messages, durable state and epoch row go, nobody else's;
 * a live lease refuses it; a zombie's late commit changes nothing afterwards.
 */
describe('member_retire', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  let client: DataApiClient;
  let queue: QueueApi;
  beforeAll(async () => {
    h = await openTestApp('member_retire');
    server = await listen(h.app);
    client = new DataApiClient({ baseUrl: server.baseUrl, apiKey: API_KEY, retries: 0 });
    queue = new QueueApi(client);
  });
  afterAll(async () => {
    client.close();
    await server.close();
    await h.close();
  });

  const count = async (sql: string, id: string): Promise<number> =>
    Number((await h.t.db.query<{ n: string }>(sql, [id])).rows[0]!.n);
  const rowsOf = async (id: string) => ({
    queued: await count('SELECT count(*)::text AS n FROM queue_item WHERE dst = $1', id),
    state: await count('SELECT count(*)::text AS n FROM durable_state WHERE owner = $1', id),
    epoch: await count('SELECT count(*)::text AS n FROM process_epoch WHERE process_id = $1', id),
  });

  /** A member that ran (epoch 1, two state rows) and has `queued` messages waiting for it. */
  async function member(id: string, queued: number): Promise<number> {
    const { epoch } = await queue.claimEpoch({ processId: id, holder: `h-${id}`, leaseMs: 1_000 });
    const sends = Array.from({ length: queued }, (_, i) => ({ dst: id, payload: `{"n":${i}}` }));
    const commit = await queue.stepCommit({
      processId: id,
      epoch,
      writeSeq: 1,
      acks: [],
      puts: [
        { key: 'ballot', slot: null, value: 1 },
        { key: 'accepted:3', slot: 3, value: 'x' },
      ],
      truncateBelow: 0,
      sends,
    });
    expect(commit.fenced).toBe(true);
    return epoch;
  }

  it('deletes the member rows only, in batches, and is idempotent', async () => {
    await member('acceptor-1', 5);
    await member('acceptor-2', 2);
    await h.t.db.query("UPDATE process_epoch SET lease_until = now() WHERE process_id LIKE 'acc%'");
    expect(await rowsOf('acceptor-1')).toEqual({ queued: 5, state: 2, epoch: 1 });

    const first = await queue.retireMember({ processId: 'acceptor-1', batchLimit: 3 });
    expect(first).toEqual({
      retired: true,
      queueRows: 3,
      stateRows: 2,
      epochRows: 1,
      queueRowsLeft: 2,
      retryInMs: 0,
    });
    const second = await queue.retireMember({ processId: 'acceptor-1', batchLimit: 3 });
    expect(second).toMatchObject({ retired: true, queueRows: 2, queueRowsLeft: 0 });
    expect(await rowsOf('acceptor-1')).toEqual({ queued: 0, state: 0, epoch: 0 });
    // Again: nothing left, nothing deleted, still an answer.
    expect(await queue.retireMember({ processId: 'acceptor-1', batchLimit: 3 })).toEqual({
      retired: true,
      queueRows: 0,
      stateRows: 0,
      epochRows: 0,
      queueRowsLeft: 0,
      retryInMs: 0,
    });
    // Another member is untouched.
    expect(await rowsOf('acceptor-2')).toEqual({ queued: 2, state: 2, epoch: 1 });
  });

  it('refuses while a process holds a live lease on the id, and says for how long', async () => {
    await queue.claimEpoch({ processId: 'leader-7', holder: 'live', leaseMs: LEASE_MS });
    await queue.push([{ dst: 'leader-7', payload: '{}' }]);
    const refused = await queue.retireMember({ processId: 'leader-7', batchLimit: 100 });
    expect(refused).toMatchObject({ retired: false, queueRows: 0, stateRows: 0, epochRows: 0 });
    expect(refused.queueRowsLeft).toBe(1);
    expect(refused.retryInMs).toBeGreaterThan(LEASE_MS - 10_000);
    expect(await rowsOf('leader-7')).toEqual({ queued: 1, state: 0, epoch: 1 });
  });

  it('fences a zombie: a commit of the retired incarnation lands nothing', async () => {
    const epoch = await member('replica-5', 1);
    await h.t.db.query(
      "UPDATE process_epoch SET lease_until = now() WHERE process_id = 'replica-5'",
    );
    expect((await queue.retireMember({ processId: 'replica-5', batchLimit: 10 })).retired).toBe(
      true,
    );
    const late = await queue.stepCommit({
      processId: 'replica-5',
      epoch,
      writeSeq: 2,
      acks: [],
      puts: [{ key: 'ballot', slot: null, value: 2 }],
      truncateBelow: 0,
      sends: [{ dst: 'leader-0', payload: '{}' }],
    });
    expect(late.fenced).toBe(false);
    expect(await rowsOf('replica-5')).toEqual({ queued: 0, state: 0, epoch: 0 });
  });

  it.each([
    [{ processId: '', batchLimit: 1 }, 'processId must be 1..128 characters'],
    [{ processId: 'x', batchLimit: 0 }, 'batchLimit must be 1..100000'],
    [{ processId: 'x', batchLimit: 100_001 }, 'batchLimit must be 1..100000'],
  ])('refuses %j out of range, changing nothing', async (variables, message) => {
    const res = await callQuery(server.baseUrl, 'member_retire', variables);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(message);
  });
});
