/**
 * The client against a scripted replica (support/fake-replica.ts): what it retries and how
 * (the same session and request id, Retry-After honoured, the next replica after a failure),
 * what ends a call, and which error says so. Ports 8470-8479.
 */
import {
  AbortedError,
  ForbiddenError,
  InvalidRequestError,
  OutcomeUnknownError,
  PaxosClient,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  type PaxosClientOptions,
} from '../src';
import { fakeReplica, refusal, type FakeReplica } from './support/fake-replica';

let a: FakeReplica;
let b: FakeReplica;
const clients: PaxosClient[] = [];

beforeEach(async () => {
  a = await fakeReplica(8470);
  b = await fakeReplica(8471);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await a.close();
  await b.close();
});

function client(o: Partial<PaxosClientOptions> = {}): PaxosClient {
  const c = new PaxosClient({
    endpoints: [a.url, b.url],
    timeoutMs: 10_000,
    retry: { backoffMsInitial: 20, backoffMsMax: 100 },
    ...o,
  });
  clients.push(c);
  return c;
}

const ids = (r: FakeReplica) => r.commands().map((c) => `${c.sessionId}:${c.requestId}`);

describe('retries', () => {
  it('registers once, then numbers commands 1, 2, 3 in that session', async () => {
    const c = client();
    await c.put('x', '1');
    await c.get('x');
    await c.delete('x');
    expect(a.received.filter((r) => r.path === '/sessions')).toHaveLength(1);
    expect(ids(a)).toEqual(['1000:1', '1000:2', '1000:3']);
    expect(c.sessionId).toBe(1000);
  });

  it('honours a 503 Retry-After and resends the same session and request id', async () => {
    a.script = [refusal(503, 'overloaded', { 'retry-after': '1' })];
    const r = await client().put('x', '1');
    expect(r.slot).toBe(7);
    const sent = a.received.filter((x) => x.path === '/commands');
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(950);
    expect(ids(a)).toEqual(['1000:1', '1000:1']);
    expect(sent[1]!.body).toEqual(sent[0]!.body);
  });

  it('retries a 504 at once on the same replica, with the same ids', async () => {
    a.script = [refusal(504, 'timeout'), refusal(504, 'timeout')];
    await client().put('x', '1');
    expect(ids(a)).toEqual(['1000:1', '1000:1', '1000:1']);
    expect(b.commands()).toHaveLength(0);
  });

  it('moves to the next replica after a dropped connection, with the same ids', async () => {
    a.script = ['drop'];
    await client().put('x', '1');
    expect(ids(a)).toEqual(['1000:1']);
    expect(ids(b)).toEqual(['1000:1']);
  });

  it('moves to the next replica on 503 not-member', async () => {
    a.script = [refusal(503, 'not-member', { 'retry-after': '0' })];
    await client().put('x', '1');
    expect(ids(b)).toEqual(['1000:1']);
  });

  it('moves on when the first endpoint does not listen at all', async () => {
    const c = client({ endpoints: ['http://127.0.0.1:8479', a.url] });
    await expect(c.get('x')).resolves.toEqual({ value: null, slot: 7 });
  });

  it('never resubmits after 410 session-unknown, and registers a new session for the next call', async () => {
    a.script = [refusal(410, 'session-unknown')];
    const c = client();
    const err = await c.put('x', '1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).mayHaveRun).toBe(true);
    expect((err as Error).message).toMatch(/may or may not have been applied/);
    expect(ids(a)).toEqual(['1000:1']);
    await c.put('y', '2');
    expect(ids(a)).toEqual(['1000:1', '1001:1']);
  });

  it('never resubmits after 410 request-too-old, and keeps the session', async () => {
    a.script = [refusal(410, 'request-too-old')];
    const c = client();
    await expect(c.put('x', '1')).rejects.toBeInstanceOf(OutcomeUnknownError);
    await c.put('y', '2');
    expect(ids(a)).toEqual(['1000:1', '1000:2']);
  });

  it('maps refusals to typed errors without retrying', async () => {
    a.script = [
      refusal(401, 'unauthorized'),
      refusal(403, 'forbidden'),
      refusal(400, 'invalid-command'),
      refusal(413, 'kv-quota-exceeded'),
      refusal(415, 'unsupported-media-type'),
    ];
    const c = client();
    await expect(c.put('x', '1')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(c.put('x', '1')).rejects.toBeInstanceOf(ForbiddenError);
    const invalid = await c.put('x', '1').catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidRequestError);
    expect(invalid).toMatchObject({ code: 'invalid-command', status: 400, mayHaveRun: false });
    await expect(c.put('x', '1')).rejects.toMatchObject({ code: 'kv-quota-exceeded', status: 413 });
    await expect(c.put('x', '1')).rejects.toMatchObject({ code: 'unsupported-media-type' });
    expect(a.commands()).toHaveLength(5);
  });

  it('sends the key as a bearer token, and JSON', async () => {
    await client({ apiKey: 'pxk_test' }).get('x');
    for (const r of a.received) {
      expect(r.headers.authorization).toBe('Bearer pxk_test');
      expect(r.headers['content-type']).toBe('application/json');
    }
  });

  it('gives up with UnavailableError after retry.attemptsMax attempts', async () => {
    a.script = Array.from({ length: 10 }, () => refusal(500, 'boom'));
    b.script = Array.from({ length: 10 }, () => refusal(500, 'boom'));
    const err = await client({ retry: { attemptsMax: 4, backoffMsInitial: 1 } })
      .put('x', '1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).mayHaveRun).toBe(true);
    expect(a.commands().length + b.commands().length).toBe(4);
  });

  it('says a read that gave up changed nothing', async () => {
    a.script = Array.from({ length: 10 }, () => refusal(503, 'overloaded', { 'retry-after': '0' }));
    const err = await client({ endpoints: [a.url], retry: { attemptsMax: 3 } })
      .get('x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).mayHaveRun).toBe(false);
  });

  it('times out with TimeoutError, a held write being of unknown outcome', async () => {
    a.script = ['hold'];
    const err = await client({ endpoints: [a.url], timeoutMs: 300 })
      .put('x', '1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).mayHaveRun).toBe(true);
  });
});

describe('abort', () => {
  it('an abort mid-call ends it at once and says the write may have run', async () => {
    a.script = ['hold'];
    const stop = new AbortController();
    const call = client().put('x', '1', { signal: stop.signal });
    await waitFor(() => a.held.length === 1);
    const at = performance.now();
    stop.abort();
    const err = await call.catch((e: unknown) => e);
    expect(performance.now() - at).toBeLessThan(500);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as AbortedError).mayHaveRun).toBe(true);
    expect((err as Error).message).toMatch(/may or may not have been applied/);
  });

  it('an already aborted call sends nothing and says so', async () => {
    const err = await client()
      .put('x', '1', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as AbortedError).mayHaveRun).toBe(false);
    expect(a.commands()).toHaveLength(0);
  });

  it('an abort during a Retry-After wait ends the call', async () => {
    a.script = [refusal(503, 'overloaded', { 'retry-after': '5' })];
    const err = await client()
      .get('x', { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(a.commands()).toHaveLength(1);
  });
});

describe('overlapping calls', () => {
  it('keeps at most 16 request ids of the session in flight, and numbers every call once', async () => {
    a.script = Array.from({ length: 40 }, () => 'hold' as const);
    const c = client({ endpoints: [a.url] });
    const calls = Array.from({ length: 40 }, (_, i) => c.put(`k${i}`, 'v'));
    await waitFor(() => a.held.length === 16);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.held).toHaveLength(16);
    // Answer the held ones one at a time, oldest first; each answer lets one more in.
    let answered = 0;
    while (answered < 40) {
      const res = a.held.shift();
      if (!res) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          sessionId: 1000,
          requestId: 0,
          slot: 1,
          result: { ok: true, value: null },
        }),
      );
      answered += 1;
      const inFlight = new Set(a.commands().map((x) => x.requestId)).size - answered;
      expect(inFlight).toBeLessThanOrEqual(16);
    }
    await Promise.all(calls);
    const requestIds = a.commands().map((x) => x.requestId);
    expect(requestIds.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
