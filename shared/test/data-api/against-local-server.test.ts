import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DataApiClient,
  DataApiRequestError,
  MessageWaiter,
  QueueApi,
  RestApi,
  leaseOwnerOf,
} from '@paxos/shared';
import { createApp, loadQueries, loadSchema } from '../../../services/neurelo-local/src';
import {
  type TestDatabase,
  openTestDatabase,
} from '../../../services/neurelo-local/test/support/test-database';

/**
 * The client against the real local Neurelo server (in-process, on port 0, over PGlite or the
 * PostgreSQL that DATABASE_URL names): every query of the contract, through real HTTP.
 * Each test uses destinations and process ids of its own, so tests do not see each other's rows.
 */
const API_KEY = 'neurelo_integration_test_key';

let database: TestDatabase;
let server: Server;
let client: DataApiClient;
let queue: QueueApi;
let rest: RestApi;
const shutdown = new AbortController();

beforeAll(async () => {
  database = await openTestDatabase('data_api_client');
  const app = createApp({
    db: database.db,
    schema: loadSchema(),
    queries: loadQueries(),
    apiKeys: { readWrite: [API_KEY], readOnly: [] },
    shutdown: shutdown.signal,
  });
  server = createServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DataApiClient({
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: API_KEY,
    timeoutMs: 5_000,
    retries: 2,
  });
  queue = new QueueApi(client);
  rest = new RestApi(client);
});

afterAll(async () => {
  shutdown.abort();
  client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.drop();
});

const payloadOf = (n: number): string =>
  JSON.stringify({ type: 'progress', from: 'x', slotOut: n });

describe('queue round trips', () => {
  it('pushes, claims oldest first under a lease, and acks only as the holder', async () => {
    const dst = 'rt-acceptor-0';
    const pushed = await queue.push([1, 2, 3].map((n) => ({ dst, payload: payloadOf(n) })));
    expect(pushed.inserted).toBe(3);
    // A retried push (same ids) adds nothing.
    const again = await queue.push(
      pushed.ids.map((id, i) => ({ id, dst, payload: payloadOf(i + 1) })),
    );
    expect(again.inserted).toBe(0);

    const first = await queue.claim({ dst, owner: 'a#1', limit: 2, leaseMs: 60_000 });
    expect(first.longPolled).toBe(false);
    expect(first.messages.map((m) => m.id)).toEqual(pushed.ids.slice(0, 2));
    expect(first.messages.map((m) => m.payload)).toEqual([payloadOf(1), payloadOf(2)]);
    expect(first.messages.every((m) => m.attempts === 1)).toBe(true);
    expect(first.messages[0]!.seq).toBeLessThan(first.messages[1]!.seq);

    const second = await queue.claim({ dst, owner: 'b#1', limit: 10, leaseMs: 60_000 });
    expect(second.messages.map((m) => m.id)).toEqual([pushed.ids[2]]);

    expect(await queue.ack('b#1', pushed.ids.slice(0, 2))).toBe(0);
    expect(await queue.ack('a#1', pushed.ids.slice(0, 2))).toBe(2);
    expect(await queue.queueDepth()).toContainEqual({ dst, depth: 1, leased: 1 });
    expect(await queue.ack('b#1', [pushed.ids[2]!])).toBe(1);
    expect((await queue.queueDepth()).find((d) => d.dst === dst)).toBeUndefined();
  });

  it('redelivers a message whose lease ran out, counting attempts', async () => {
    const dst = 'rt-acceptor-1';
    const { ids } = await queue.push([{ dst, payload: payloadOf(1) }]);
    await queue.claim({ dst, owner: 'a#1', limit: 1, leaseMs: 100 }); // the shortest lease allowed
    await new Promise((resolve) => setTimeout(resolve, 150));
    const again = await queue.claim({ dst, owner: 'a#2', limit: 1, leaseMs: 60_000 });
    expect(again.messages).toEqual([expect.objectContaining({ id: ids[0], attempts: 2 })]);
    // The first holder lost the message: its ack does nothing.
    expect(await queue.ack('a#1', ids)).toBe(0);
  });

  it('releases leases at once and dead-letters with a reason', async () => {
    const dst = 'rt-replica-0';
    const { ids } = await queue.push([
      { dst, payload: payloadOf(1) },
      { dst, payload: 'not json' },
    ]);
    await queue.claim({ dst, owner: 'r#1', limit: 2, leaseMs: 60_000 });
    expect(await queue.release('r#1', [ids[0]!])).toBe(1);
    const reclaimed = await queue.claim({ dst, owner: 'r#2', limit: 2, leaseMs: 60_000 });
    expect(reclaimed.messages.map((m) => m.id)).toEqual([ids[0]]);

    expect(await queue.deadLetter({ owner: 'r#2', id: ids[1]!, reason: 'x' })).toBe(0);
    expect(await queue.deadLetter({ owner: 'r#1', id: ids[1]!, reason: 'invalid JSON' })).toBe(1);
    const dead = await rest.findMany('dead_letter', { filter: { dst } });
    expect(dead).toEqual([
      expect.objectContaining({ element_identifier: ids[1], reason: 'invalid JSON', attempts: 1 }),
    ]);
  });
});

/** A new epoch for `processId` (the same holder each time, so every claim is granted). */
async function claimEpoch(processId: string): Promise<number> {
  const claim = await queue.claimEpoch({
    processId,
    holder: `holder-${processId}`,
    leaseMs: 60_000,
  });
  expect(claim.granted).toBe(true);
  return claim.epoch;
}

describe('step_commit', () => {
  it('acks, persists, truncates and sends atomically, and a retry changes nothing', async () => {
    const processId = 'sc-acceptor-0';
    const epoch = await claimEpoch(processId);
    const owner = leaseOwnerOf(processId, epoch);
    await queue.push([{ dst: processId, payload: payloadOf(1) }]);
    const [input] = (await queue.claim({ dst: processId, owner, limit: 1, leaseMs: 60_000 }))
      .messages;

    const step = {
      processId,
      epoch,
      writeSeq: 1,
      acks: [input!.id],
      puts: [
        { key: 'ballot', slot: null, value: { round: 1, leaderId: 'leader-0' } },
        { key: 'accepted:3', slot: 3, value: { v: 3 } },
        { key: 'accepted:7', slot: 7, value: { v: 'draft' } },
        { key: 'accepted:7', slot: 7, value: { v: 7 } },
      ],
      truncateBelow: 0,
      sends: [{ id: 'sc-send-1', dst: 'sc-leader-0', payload: payloadOf(2) }],
    };
    expect(await queue.stepCommit(step)).toEqual({
      fenced: true,
      acked: 1,
      put: 3,
      truncated: 0,
      sent: 1,
    });
    // The same step again (what a retry after a lost answer sends): nothing new.
    expect(await queue.stepCommit(step)).toMatchObject({ fenced: true, acked: 0, sent: 0 });

    const durable = await queue.loadDurable(processId);
    expect(Object.fromEntries(durable)).toEqual({
      ballot: { slot: null, value: { round: 1, leaderId: 'leader-0' } },
      'accepted:3': { slot: 3, value: { v: 3 } },
      'accepted:7': { slot: 7, value: { v: 7 } },
    });
    const sent = await queue.claim({ dst: 'sc-leader-0', owner: 'l#1', limit: 5, leaseMs: 60_000 });
    expect(sent.messages.map((m) => m.id)).toEqual(['sc-send-1']);

    // Truncation drops old slots, including a put below the horizon in the same step.
    const truncation = await queue.stepCommit({
      processId,
      epoch,
      writeSeq: 2,
      acks: [],
      puts: [{ key: 'accepted:4', slot: 4, value: { v: 4 } }],
      truncateBelow: 5,
      sends: [],
    });
    expect(truncation).toMatchObject({ fenced: true, put: 0, truncated: 1 });
    expect([...(await queue.loadDurable(processId)).keys()].sort()).toEqual([
      'accepted:7',
      'ballot',
    ]);
  });

  it('fences a zombie: an older epoch changes nothing', async () => {
    const processId = 'sc-acceptor-1';
    const oldEpoch = await claimEpoch(processId);
    const newEpoch = await claimEpoch(processId);
    expect(newEpoch).toBe(oldEpoch + 1);
    await queue.push([{ dst: processId, payload: payloadOf(1) }]);
    const oldOwner = leaseOwnerOf(processId, oldEpoch);
    const [leased] = (
      await queue.claim({ dst: processId, owner: oldOwner, limit: 1, leaseMs: 60_000 })
    ).messages;

    const zombie = await queue.stepCommit({
      processId,
      epoch: oldEpoch,
      writeSeq: 1,
      acks: [leased!.id],
      puts: [{ key: 'ballot', slot: null, value: 'stale' }],
      truncateBelow: 0,
      sends: [{ dst: 'sc-leader-1', payload: payloadOf(9) }],
    });
    expect(zombie).toEqual({ fenced: false, acked: 0, put: 0, truncated: 0, sent: 0 });
    expect((await queue.loadDurable(processId)).size).toBe(0);
    expect((await queue.queueDepth()).find((d) => d.dst === 'sc-leader-1')).toBeUndefined();
    expect(await queue.queueDepth()).toContainEqual({ dst: processId, depth: 1, leased: 1 });
  });
});

describe('ordered state writes', () => {
  it('a replayed older commit changes nothing; a new epoch writes again from writeSeq 1', async () => {
    const processId = 'ow-acceptor-0';
    const epoch = await claimEpoch(processId);
    const write = (e: number, writeSeq: number, round: number) =>
      queue.stepCommit({
        processId,
        epoch: e,
        writeSeq,
        acks: [],
        puts: [{ key: 'ballot', slot: null, value: { round } }],
        truncateBelow: 0,
        sends: [],
      });
    await write(epoch, 1, 1);
    await write(epoch, 3, 3);
    // The stalled first attempt of commit 2 lands last: the ballot does not go back.
    expect(await write(epoch, 2, 2)).toMatchObject({ fenced: true, put: 0 });
    expect((await queue.loadDurable(processId)).get('ballot')?.value).toEqual({ round: 3 });
    const next = await claimEpoch(processId);
    expect(await write(next, 1, 4)).toMatchObject({ fenced: true, put: 1 });
    expect((await queue.loadDurable(processId)).get('ballot')?.value).toEqual({ round: 4 });
  });
});

describe('the epoch lease', () => {
  it('keeps a second holder out until the first releases it; a renewal of a fenced epoch fails', async () => {
    const processId = 'el-leader-0';
    const first = await queue.claimEpoch({ processId, holder: 'first', leaseMs: 60_000 });
    expect(first).toEqual({ granted: true, epoch: first.epoch, retryInMs: 0 });
    const refused = await queue.claimEpoch({ processId, holder: 'second', leaseMs: 60_000 });
    expect(refused.granted).toBe(false);
    expect(refused.epoch).toBe(first.epoch);
    expect(refused.retryInMs).toBeGreaterThan(50_000);
    expect(
      await queue.renewEpoch({ processId, epoch: first.epoch, leaseMs: 60_000, timeoutMs: 2_000 }),
    ).toBe(true);
    expect(await queue.releaseEpoch({ processId, epoch: first.epoch })).toBe(true);
    const second = await queue.claimEpoch({ processId, holder: 'second', leaseMs: 60_000 });
    expect(second).toMatchObject({ granted: true, epoch: first.epoch + 1 });
    expect(
      await queue.renewEpoch({ processId, epoch: first.epoch, leaseMs: 60_000, timeoutMs: 2_000 }),
    ).toBe(false);
  });
});

describe('queue_release and queue_retention', () => {
  it('a released message comes back without an extra attempt', async () => {
    const dst = 'qr-replica-0';
    const { ids } = await queue.push([{ dst, payload: payloadOf(1) }]);
    await queue.claim({ dst, owner: 'q#1', limit: 1, leaseMs: 60_000 });
    expect(await queue.release('q#1', ids)).toBe(1);
    const again = await queue.claim({ dst, owner: 'q#1', limit: 1, leaseMs: 60_000 });
    expect(again.messages.map((m) => m.attempts)).toEqual([1]);
  });

  it('answers what it removed and what is left', async () => {
    const r = await queue.retention({
      unknownAfterMs: 86_400_000,
      deadLetterAfterMs: 86_400_000,
      batchLimit: 100,
    });
    expect(r).toEqual({
      removedUnknown: 0,
      removedDeadLetters: 0,
      unknownRows: expect.any(Number),
      deadLetterRows: expect.any(Number),
    });
  });
});

describe('long poll', () => {
  it('holds an empty claim and wakes it when a message arrives', async () => {
    const dst = 'lp-replica-0';
    const started = Date.now();
    const claiming = queue.claim({ dst, owner: 'w#1', limit: 4, leaseMs: 60_000, waitSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { ids } = await queue.push([{ dst, payload: payloadOf(1) }]);
    const claimed = await claiming;
    expect(claimed.longPolled).toBe(true);
    expect(claimed.messages.map((m) => m.id)).toEqual(ids);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers an idle long poll empty when the wait is over', async () => {
    const started = Date.now();
    const claimed = await queue.claim({
      dst: 'lp-idle',
      owner: 'w#1',
      limit: 4,
      leaseMs: 60_000,
      waitSeconds: 1,
    });
    expect(claimed).toEqual({ messages: [], longPolled: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('lets a MessageWaiter sleep through idleness and stop on shutdown', async () => {
    const dst = 'lp-leader-0';
    const sleeps: number[] = [];
    const waiter = new MessageWaiter({
      queue,
      dst,
      owner: 'w#2',
      limit: 8,
      leaseMs: 60_000,
      waitSeconds: 5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const waiting = waiter.next();
    setTimeout(() => void queue.push([{ dst, payload: payloadOf(1) }]), 200);
    expect((await waiting).map((m) => m.payload)).toEqual([payloadOf(1)]);
    expect(sleeps).toEqual([]);

    const stop = new AbortController();
    const stopping = waiter.next(stop.signal);
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    await expect(stopping).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

// queue_pop_all empties the whole queue, so this stays after the tests that expect rows to wait.
describe("the original project's calls", () => {
  it('pushes through REST __one, pops with DELETE, clears with pop_all', async () => {
    const dst = 'orig-acceptor-0';
    for (const n of [1, 2]) {
      await rest.createOne('queue_item', {
        element_identifier: `orig-${n}`,
        time_inserted: new Date().toISOString(),
        dst,
        payload: payloadOf(n),
      });
    }
    const popped = await queue.popOriginal(dst);
    expect(popped).toMatchObject({ id: 'orig-1', dst, payload: payloadOf(1) });
    expect(Number.isNaN(Date.parse(popped!.timeInserted))).toBe(false);
    expect(await queue.popAllOriginal()).toBeGreaterThanOrEqual(1);
    expect(await queue.popOriginal(dst)).toBeNull();
  });
});

describe('refusals from the real server', () => {
  const wrongKey = async (): Promise<unknown> => {
    const stranger = new DataApiClient({ baseUrl: client.baseUrl, apiKey: 'neurelo_wrong' });
    try {
      return await stranger.custom('queue_depth', 'GET');
    } finally {
      stranger.close();
    }
  };
  it.each([
    ['a wrong key', wrongKey, 401],
    ['an unknown query', () => client.custom('no_such_query', 'GET'), 404],
    ['a missing variable', () => client.custom('queue_claim', 'POST', { dst: 'x' }), 400],
    ['the wrong method', () => client.custom('queue_pop', 'GET', { dst: 'x' }), 405],
  ])('answers %s with a DataApiRequestError', async (_name, call, status) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiRequestError);
    expect(error).toMatchObject({ status });
  });
});
