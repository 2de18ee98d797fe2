import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataApiClient, QueueApi, type Role } from '@paxos/shared';
import pino from 'pino';
import { createApp, loadQueries, loadSchema } from '../../neurelo-local/src';
import {
  openTestDatabase,
  type TestDatabase,
} from '../../neurelo-local/test/support/test-database';
import { ServiceMetrics } from '../src/metrics';
import { createNeureloQueuePort } from '../src/neurelo-queue-port';
import { RoleHost } from '../src/role-host';
import { p1a } from './support/shell-harness';

/**
 * The role host over the real data API (the local server in process, on PostgreSQL when
 * DATABASE_URL is set, else PGlite): the database's own refusal of a value reaches the shell as
 * a 400, and only the message that wrote it goes to the dead letters.
 */
const API_KEY = 'neurelo_runtime_test_key';
let database: TestDatabase;
let server: Server;
let baseUrl = '';
const shutdown = new AbortController();

beforeAll(async () => {
  database = await openTestDatabase('runtime_port');
  const app = createApp({
    db: database.db,
    schema: loadSchema(),
    queries: loadQueries(),
    apiKeys: { readWrite: [API_KEY], readOnly: [] },
    shutdown: shutdown.signal,
  });
  server = createServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  shutdown.abort();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.drop();
});

/** Writes `k<round>`; round 2 writes a NUL character, which jsonb cannot store. */
const nulRole: Role<null, null> = {
  recover: () => ({ state: null, persist: [], send: [] }),
  step: (state, m) => {
    const round = m.type === 'p1a' ? m.ballot.round : 0;
    const value = round === 2 ? 'a\u0000b' : `v${round}`;
    return { state, persist: [{ op: 'put', key: `k${round}`, slot: null, value }], send: [] };
  },
  tick: (state) => ({ state, persist: [], send: [] }),
  nextDeadline: () => null,
};

it('a commit PostgreSQL refuses dead-letters only its message; the others are stored', async () => {
  const env = { NEURELO_API_BASE: baseUrl, NEURELO_API_KEY: API_KEY, LONG_POLL_SECONDS: '1' };
  const logger = pino({ level: 'silent' });
  const fatal: Error[] = [];
  const processId = 'nul-acceptor-0';
  const host = new RoleHost({
    processId,
    role: nulRole,
    config: null,
    queue: createNeureloQueuePort(env, logger),
    logger,
    metrics: new ServiceMetrics(processId, 'acceptor'),
    leaseMs: 10_000,
    claimBatch: 16,
    maxAttempts: 3,
    epochLeaseMs: 1_000,
    retention: { everyMs: 0, unknownAfterMs: 60_000, deadLetterAfterMs: 60_000 },
    onFatal: (e) => fatal.push(e),
  });
  const client = new DataApiClient({ baseUrl, apiKey: API_KEY });
  const queue = new QueueApi(client);
  try {
    await host.start();
    await queue.push([1, 2, 3].map((round) => ({ dst: processId, payload: p1a(round) })));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const depth = (await queue.queueDepth()).find((d) => d.dst === processId)?.depth ?? 0;
      if (depth === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...(await queue.loadDurable(processId)).keys()].sort()).toEqual(['k1', 'k3']);
    expect(fatal).toEqual([]);
    expect(host.isReady).toBe(true);
    expect((host.describeHost() as { deadLetters: number }).deadLetters).toBe(1);
  } finally {
    await host.stop();
    client.close();
  }
});
