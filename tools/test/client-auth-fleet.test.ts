/**
 * Issue 20's access control on a real fleet: every service its own OS process, the replicas
 * given CLIENT_KEYS (a read-write key, a read-only key and a key limited to a prefix), the data
 * API on the PostgreSQL of DATABASE_URL (PGlite otherwise). Each answer is the replica's own.
 */
import { clientKeyEntry, generateClientKey } from '@paxos/shared';
import { request } from 'undici';
import type { Fleet } from '../src/fleet/fleet';
import { newFleetClientKeys } from '../src/fleet/topology';
import { KvClient } from '../src/workload/kv-client';
import { wallClock } from '../src/workload/run-clients';
import { startTestFleet } from './support/test-fleet';

jest.setTimeout(120_000);

/** This test's port range: 8100 (the data API) to 8151 (the replica). */
const BASE_PORT = 8100;
const TENANT_KEY = generateClientKey();

describe('client access control on a fleet', () => {
  let fleet: Fleet;
  let stop: (() => Promise<void>) | undefined;
  const keys = {
    ...newFleetClientKeys(),
    moreEntries: [clientKeyEntry('tenant', 'write', TENANT_KEY, 'tenant-a/')],
  };
  let replica: string;
  let sessionId: number;

  /** One POST with exactly these headers; the status and the JSON answer. */
  async function post(urlPath: string, body: string, headers: Record<string, string>) {
    const res = await request(`${replica}${urlPath}`, { method: 'POST', headers, body });
    const text = await res.body.text();
    return { status: res.statusCode, body: JSON.parse(text) as Record<string, unknown> };
  }
  const json = (key?: string): Record<string, string> => ({
    'content-type': 'application/json',
    ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
  });
  const command = (requestId: number, op: object) => JSON.stringify({ sessionId, requestId, op });

  beforeAll(async () => {
    ({ fleet, stop } = await startTestFleet({
      name: 'client_auth',
      acceptors: 3,
      leaders: 1,
      replicas: 1,
      basePort: BASE_PORT,
      clientKeys: keys,
      upTimeoutMs: 90_000,
    }));
    replica = `http://127.0.0.1:${fleet.named('replica')[0]!.port}`;
    const registered = await post('/sessions', '{}', json(keys.clientKey));
    expect(registered.status).toBe(200);
    sessionId = registered.body.sessionId as number;
  });

  afterAll(async () => {
    await stop?.();
  });

  it('401 without a key, and with a wrong one', async () => {
    const put = command(1, { kind: 'put', key: 'k', value: 'v' });
    expect(await post('/commands', put, json())).toMatchObject({
      status: 401,
      body: { code: 'unauthorized' },
    });
    expect(await post('/commands', put, json(generateClientKey()))).toMatchObject({
      status: 401,
      body: { code: 'unauthorized' },
    });
    expect((await post('/sessions', '{}', json())).status).toBe(401);
  });

  it('the read-only key: 403 on a put, 200 on a get (its own session too)', async () => {
    const ro = keys.readOnlyClientKey;
    expect(
      await post('/commands', command(2, { kind: 'put', key: 'k', value: 'v' }), json(ro)),
    ).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await post('/commands', command(3, { kind: 'get', key: 'k' }), json(ro))).status).toBe(
      200,
    );
    expect((await post('/sessions', '{}', json(ro))).status).toBe(200);
  });

  it('the read-write key: 200 on a put, and the fleet tools carry it', async () => {
    const put = await post(
      '/commands',
      command(4, { kind: 'put', key: 'greeting', value: 'hello' }),
      json(keys.clientKey),
    );
    expect(put).toMatchObject({ status: 200, body: { result: { ok: true } } });
    const client = new KvClient({
      replicaUrls: [replica],
      commandDeadlineMs: 20_000,
      attemptTimeoutMs: 8_000,
      clock: wallClock,
      clientKey: keys.readOnlyClientKey,
    });
    const { answer } = await client.run({ kind: 'get', key: 'greeting' });
    expect(answer).toMatchObject({ kind: 'ok', result: { value: 'hello' } });
  });

  it('a prefix-limited key: 200 inside its prefix, 403 outside', async () => {
    const inside = command(5, { kind: 'put', key: 'tenant-a/x', value: 'v' });
    expect((await post('/commands', inside, json(TENANT_KEY))).status).toBe(200);
    const outside = command(6, { kind: 'put', key: 'tenant-b/x', value: 'v' });
    expect(await post('/commands', outside, json(TENANT_KEY))).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
  });

  it('415 for a text/plain body, even with a valid key', async () => {
    const body = command(7, { kind: 'put', key: 'k', value: 'v' });
    const headers = { 'content-type': 'text/plain', authorization: `Bearer ${keys.clientKey}` };
    expect(await post('/commands', body, headers)).toMatchObject({
      status: 415,
      body: { code: 'unsupported-media-type' },
    });
  });

  it('403 for a cross-origin text/plain POST to /commands, as a web page would send it', async () => {
    const body = command(8, { kind: 'put', key: 'k', value: 'v' });
    const headers = { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://evil.example' };
    expect(await post('/commands', body, headers)).toMatchObject({
      status: 403,
      body: { code: 'origin-refused' },
    });
    // Nothing ran: the key still holds what the read-write key put last (none: never written).
    const read = await post(
      '/commands',
      command(9, { kind: 'get', key: 'k' }),
      json(keys.clientKey),
    );
    expect(read).toMatchObject({ status: 200, body: { result: { value: null } } });
  });
});
