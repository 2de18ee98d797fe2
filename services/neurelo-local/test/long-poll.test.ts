import { waitingRequests } from '../src/app';
import { callQuery, listen, messages, openTestApp, type TestApp } from './support/app-harness';

/** `Prefer: wait=N` on queue_claim: LISTEN/NOTIFY instead of polling. */
describe('long-poll', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    h = await openTestApp('long_poll');
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  const claim = (dst: string, waitSeconds?: number, signal?: AbortSignal) =>
    callQuery<{ element_identifier: string }>(
      server.baseUrl,
      'queue_claim',
      { dst, owner: 'consumer#1', limit: 5, leaseMs: 30_000 },
      { ...(waitSeconds ? { waitSeconds } : {}), ...(signal ? { signal } : {}) },
    );
  const push = (dst: string, ids: string[]) =>
    callQuery(server.baseUrl, 'queue_push', { messages: messages(dst, ids) });
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(condition()).toBe(true);
  };

  it('a waiting claim wakes as soon as a message for its destination is pushed', async () => {
    const startedAt = Date.now();
    const waiting = claim('acceptor-0', 10);
    await until(() => waitingRequests(h.app) === 1);
    // A message for another destination does not answer it.
    await push('acceptor-1', ['elsewhere']);
    await push('acceptor-0', ['wanted']);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    expect(res.body.data!.map((m) => m.element_identifier)).toEqual(['wanted']);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(waitingRequests(h.app)).toBe(0);
  });

  it('answers at once when there is a message, and says it applied the wait', async () => {
    await push('replica-0', ['ready']);
    const res = await claim('replica-0', 5);
    expect(res.body.data).toHaveLength(1);
    expect(res.headers.get('preference-applied')).toBe('wait=5');
  });

  it('times out with no message: an empty answer after the wait, not before', async () => {
    const startedAt = Date.now();
    const res = await claim('nobody', 1);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [] });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
  });

  it('bounds the wait at 20 s and ignores the header on a query without "-- wait:"', async () => {
    const waiting = claim('leader-0', 600);
    await until(() => waitingRequests(h.app) === 1);
    await push('leader-0', ['x']);
    expect((await waiting).headers.get('preference-applied')).toBe('wait=20');
    const depth = await callQuery(
      server.baseUrl,
      'queue_depth',
      {},
      { method: 'GET', waitSeconds: 5 },
    );
    expect(depth.headers.get('preference-applied')).toBeNull();
  });

  it('wakes a waiter when a lease is released', async () => {
    await push('leader-1', ['held']);
    await callQuery(server.baseUrl, 'queue_claim', {
      dst: 'leader-1',
      owner: 'holder#1',
      limit: 1,
      leaseMs: 60_000,
    });
    const waiting = claim('leader-1', 10);
    await until(() => waitingRequests(h.app) === 1);
    await callQuery(server.baseUrl, 'queue_release', { owner: 'holder#1', ids: '["held"]' });
    expect((await waiting).body.data!.map((m) => m.element_identifier)).toEqual(['held']);
  });

  it('a client that disconnects stops waiting', async () => {
    const abort = new AbortController();
    const waiting = claim('gone', 20, abort.signal).catch((err: Error) => err.name);
    await until(() => waitingRequests(h.app) === 1);
    abort.abort();
    expect(await waiting).toBe('AbortError');
    await until(() => waitingRequests(h.app) === 0);
  });
});
