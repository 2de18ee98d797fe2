import { DataApiClient, QueueApi, type Role } from '@paxos/shared';
import pino from 'pino';
import {
  READ_WRITE_KEY,
  listen,
  openTestApp,
  type TestApp,
} from '../../neurelo-local/test/support/app-harness';
import { ServiceMetrics } from '../src/metrics';
import { createNeureloQueuePort } from '../src/neurelo-queue-port';
import { RoleHost } from '../src/role-host';
import { p1a } from './support/shell-harness';

/**
 * The role host over the real data API (the local server in process, on PostgreSQL when
 * DATABASE_URL is set, else PGlite): the database's own refusal of a value reaches the shell as
 * a 400, and only the message that wrote it goes to the dead letters.
 */
let testApp: TestApp;
let served: { baseUrl: string; close(): Promise<void> };
let baseUrl = '';
const API_KEY = READ_WRITE_KEY;

beforeAll(async () => {
  testApp = await openTestApp('runtime_port');
  served = await listen(testApp.app);
  baseUrl = served.baseUrl;
});

afterAll(async () => {
  await served.close();
  await testApp.close();
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
    expect([...(await queue.loadDurable(processId)).keys()].sort()).toEqual([
      'k1',
      'k3',
      'protocol',
    ]);
    expect(fatal).toEqual([]);
    expect(host.isReady).toBe(true);
    expect((host.describeHost() as { deadLetters: number }).deadLetters).toBe(1);
  } finally {
    await host.stop();
    client.close();
  }
});
