/**
 * The client against a real fleet (every service its own OS process, PostgreSQL of
 * DATABASE_URL or PGlite): the operations round trip, keys are enforced, and a call whose
 * replica is SIGKILLed while it waits succeeds on the other replica with the same session
 * and request id, and is applied once. Every request goes through a recording proxy and is
 * checked against the contract the replicas serve (/openapi.json). Ports 8400-8452 (fleet),
 * 8460-8461 (proxies).
 */
import { clientApiDocument } from '@paxos/replica/src/contract/client-api-document';
import type { Fleet } from '../../tools/src/fleet/fleet';
import { newFleetClientKeys } from '../../tools/src/fleet/topology';
import { QUICK_FAILOVER_ENV, startTestFleet } from '../../tools/test/support/test-fleet';
import { ForbiddenError, PaxosClient, UnauthorizedError, type Change } from '../src';
import { ClientProxy, type Forwarded } from './support/client-proxy';
import { assertConformsToContract } from './support/contract';

jest.setTimeout(180_000);

const BASE_PORT = 8400;
let fleet: Fleet;
let stop: (() => Promise<void>) | undefined;
/** The proxies in front of replica-0 and replica-1, and every request they forwarded. */
let proxied: string[];
const forwarded: Forwarded[] = [];
const proxies: ClientProxy[] = [];
const clients: PaxosClient[] = [];

function client(o: { apiKey?: string | null; endpoints?: string[] } = {}): PaxosClient {
  const apiKey = o.apiKey === undefined ? fleet.clientKey : o.apiKey;
  const c = new PaxosClient({
    endpoints: o.endpoints ?? proxied,
    ...(apiKey ? { apiKey } : {}),
    timeoutMs: 60_000,
    retry: { backoffMsInitial: 50, backoffMsMax: 500, attemptsMax: 100 },
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ({ fleet, stop } = await startTestFleet({
    name: 'client',
    acceptors: 3,
    leaders: 2,
    replicas: 2,
    basePort: BASE_PORT,
    clientKeys: newFleetClientKeys(),
    roleEnv: QUICK_FAILOVER_ENV,
  }));
  proxied = [];
  for (const [i, r] of fleet.named('replica').entries()) {
    const proxy = new ClientProxy(r.name, r.port, forwarded);
    proxies.push(proxy);
    proxied.push(await proxy.listen(8460 + i));
  }
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const p of proxies) await p.close();
  await stop?.();
});

describe('PaxosClient on a real fleet', () => {
  it('puts, gets, cas-es, lists and deletes', async () => {
    const c = client();
    const written = await c.put('rt/a', '1');
    expect(written.previous).toBeNull();
    expect((await c.get('rt/a')).value).toBe('1');
    const read = await c.command({ kind: 'get', key: 'rt/a' });
    expect(read).toMatchObject({ result: { value: '1' }, read: 'linearizable' });
    // A read takes no slot: it names the last one applied, at or after the put's.
    expect(read.slot).toBeGreaterThanOrEqual(written.slot);
    const stale = await c.command({ kind: 'get', key: 'rt/a' }, { consistency: 'serializable' });
    expect(stale.read).toBe('serializable');
    expect(await c.cas('rt/a', 'wrong', '2')).toMatchObject({ ok: false, value: '1' });
    expect(await c.cas('rt/a', '1', '2')).toMatchObject({ ok: true, value: '2' });
    expect(await c.cas('rt/b', null, 'b')).toMatchObject({ ok: true, value: 'b' });
    await c.put('rt/c', '3');
    await c.put('other', 'x');
    const listed = await c.list({ prefix: 'rt/' }, { limit: 2 });
    expect(listed.entries).toEqual([
      { key: 'rt/a', value: '2' },
      { key: 'rt/b', value: 'b' },
    ]);
    expect(listed.more).toBe(true);
    expect((await c.delete('rt/a')).previous).toBe('2');
    expect((await c.get('rt/a')).value).toBeNull();
    // Overlapping calls share the session and its request ids.
    const values = await Promise.all(
      Array.from({ length: 24 }, (_, i) => c.put(`rt/many-${i}`, String(i))),
    );
    expect(new Set(values.map((v) => v.slot)).size).toBeGreaterThan(0);
    expect(
      (await c.list({ start: 'rt/many-', end: 'rt/many.' }, { limit: 100 })).entries,
    ).toHaveLength(24);
  });

  it('refuses a call without a key (401) and a write with a read-only key (403)', async () => {
    await expect(client({ apiKey: null }).get('rt/b')).rejects.toBeInstanceOf(UnauthorizedError);
    const reader = client({ apiKey: fleet.readOnlyClientKey });
    expect((await reader.get('rt/b')).value).toBe('b');
    await expect(reader.put('rt/b', 'no')).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('a call whose replica is SIGKILLed mid-call succeeds via the other, with the same ids, once', async () => {
    const [r0, r1] = fleet.named('replica');
    const c = client();
    const watcher = client();
    try {
      const before = await c.put('kill/warm', 'up');
      const from = before.slot * 16_384;
      // Hold the next command undecided: no leader runs while both are stopped.
      const leaders = fleet.named('leader').map((s) => s.name);
      for (const name of leaders) fleet.signal(name, 'SIGSTOP');
      const call = c.put('kill/k', 'A');
      await waitFor(() =>
        forwarded.some(
          (f) =>
            f.path === '/commands' &&
            f.via === r0!.name &&
            (f.body as { op: { key: string } }).op.key === 'kill/k',
        ),
      );
      // Let replica-0 hand the proposal to the queue before it dies.
      await new Promise((r) => setTimeout(r, 500));
      await fleet.kill(r0!.name);
      for (const name of leaders) fleet.signal(name, 'SIGCONT');
      const answer = await call;
      expect(answer.previous).toBeNull();

      const attempts = forwarded
        .filter(
          (f) => f.path === '/commands' && (f.body as { op: { key: string } }).op.key === 'kill/k',
        )
        .map((f) => ({ via: f.via, ...(f.body as { sessionId: number; requestId: number }) }));
      expect(attempts[0]!.via).toBe(r0!.name);
      expect(attempts.some((a) => a.via === r1!.name)).toBe(true);
      expect(new Set(attempts.map((a) => `${a.sessionId}:${a.requestId}`)).size).toBe(1);

      // Applied once: replica-0's own proposal, if it was decided too, was skipped as a
      // duplicate, so the feed holds exactly one change for it.
      await c.put('kill/k', 'B');
      const changes: Change[] = [];
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), 15_000);
      try {
        for await (const ch of watcher.watch({ prefix: 'kill/', from, signal: stop.signal })) {
          changes.push(ch);
          if (ch.key === 'kill/k' && ch.value === 'B') break;
        }
      } finally {
        clearTimeout(timer);
      }
      expect(changes.filter((ch) => ch.key === 'kill/k').map((ch) => ch.value)).toEqual(['A', 'B']);
    } finally {
      for (const name of fleet.named('leader').map((s) => s.name)) fleet.signal(name, 'SIGCONT');
      fleet.start(r0!.name);
      await fleet.waitReady([r0!.name]);
    }
  });

  it('sent only requests that conform to the served /openapi.json', async () => {
    const res = await fetch(`http://127.0.0.1:${fleet.named('replica')[1]!.port}/openapi.json`);
    expect(res.status).toBe(200);
    // The contract the check reads (support/contract.ts) is the one the replicas serve.
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(clientApiDocument())));
    const sent = forwarded.filter((f) => f.path !== '/openapi.json');
    expect(new Set(sent.map((f) => `${f.method} ${f.path.split('?')[0]}`))).toEqual(
      new Set(['POST /sessions', 'POST /commands', 'GET /watch']),
    );
    for (const f of sent) assertConformsToContract(f.method, f.path, f.body ?? undefined);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
