/**
 * The tools' client of the replicas' contract against a scripted replica: what it retries
 * (with the same session and request number), what it takes as final, and that a 410 is never
 * resubmitted under a new session.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KvClient, CommandRefusedError } from '../src/workload/kv-client';
import { SessionClient } from '../src/workload/session-client';

/** One scripted answer to POST /commands; `drop` closes the connection without one. */
type Scripted = { status: number; body?: unknown; retryAfter?: string } | 'drop';

interface FakeReplica {
  url: string;
  registrations: number;
  commands: Array<{ sessionId: number; requestId: number; op: unknown }>;
  script: Scripted[];
  close: () => Promise<void>;
}

async function fakeReplica(): Promise<FakeReplica> {
  const fake: FakeReplica = {
    url: '',
    registrations: 0,
    commands: [],
    script: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/sessions') {
        fake.registrations += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sessionId: 100 + fake.registrations }));
        return;
      }
      const command = JSON.parse(text) as FakeReplica['commands'][number];
      fake.commands.push(command);
      const next = fake.script.shift() ?? { status: 200 };
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (next.retryAfter !== undefined) headers['retry-after'] = next.retryAfter;
      res.writeHead(next.status, headers);
      res.end(
        JSON.stringify(
          next.body ?? {
            sessionId: command.sessionId,
            requestId: command.requestId,
            slot: 9,
            result: { ok: true, value: null },
          },
        ),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return fake;
}

const put = { kind: 'put' as const, key: 'k', value: 'v' };

describe('SessionClient', () => {
  let fake: FakeReplica;
  beforeEach(async () => {
    fake = await fakeReplica();
  });
  afterEach(() => fake.close());
  const client = (deadlineMs = 5_000) =>
    new SessionClient({
      replicaUrls: [fake.url],
      commandDeadlineMs: deadlineMs,
      attemptTimeoutMs: 2_000,
    });

  // [what the replica does first, the answer's kind and status, attempts made]
  const cases: Array<[string, Scripted[], 'ok' | 'refused' | 'unknown', number, number]> = [
    ['503 not-ready, then answers', [{ status: 503, retryAfter: '0' }], 'ok', 200, 2],
    ['504, then answers', [{ status: 504 }], 'ok', 200, 2],
    ['drops the connection, then answers', ['drop'], 'ok', 200, 2],
    ['answers 500, then answers', [{ status: 500 }], 'ok', 200, 2],
    [
      '400 invalid-command',
      [{ status: 400, body: { code: 'invalid-command' } }],
      'refused',
      400,
      1,
    ],
    ['409 conflict', [{ status: 409, body: { code: 'request-id-conflict' } }], 'refused', 409, 1],
    ['413 too-large', [{ status: 413, body: { code: 'too-large' } }], 'refused', 413, 1],
    [
      '410 request-too-old',
      [{ status: 410, body: { code: 'request-too-old' } }],
      'unknown',
      410,
      1,
    ],
  ];
  it.each(cases)('%s', async (_name, script, kind, status, attempts) => {
    fake.script = [...script];
    const c = client();
    const sessionId = await c.ensureSession();
    expect(sessionId).toBe(101);
    const answer = await c.submit(sessionId!, c.nextRequestId(), put);
    expect(answer).toMatchObject({ kind, status });
    expect(fake.commands).toHaveLength(attempts);
    // Every attempt carried the same session and request number.
    expect(new Set(fake.commands.map((x) => `${x.sessionId}:${x.requestId}`))).toEqual(
      new Set(['101:1']),
    );
  });

  it("waits a 503's Retry-After before the retry", async () => {
    fake.script = [{ status: 503, body: { code: 'overloaded' }, retryAfter: '1' }];
    const c = client();
    const sessionId = (await c.ensureSession())!;
    const startedAt = performance.now();
    expect(await c.submit(sessionId, c.nextRequestId(), put)).toMatchObject({ kind: 'ok' });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(950);
  });

  it('gives up at the deadline with an unknown outcome', async () => {
    fake.script = Array.from({ length: 100 }, () => ({ status: 503 }));
    const c = client(300);
    const answer = await c.submit((await c.ensureSession())!, c.nextRequestId(), put);
    expect(answer).toMatchObject({ kind: 'unknown', code: 'deadline' });
    expect(fake.commands.length).toBeGreaterThan(1);
  });

  it('after 410 session-unknown, registers a new session for the NEXT command only', async () => {
    fake.script = [{ status: 410, body: { code: 'session-unknown', outcomeUnknown: true } }];
    const kv = new KvClient({
      replicaUrls: [fake.url],
      commandDeadlineMs: 5_000,
      attemptTimeoutMs: 2_000,
      clock: Date.now,
    });
    const lost = await kv.run(put);
    expect(lost.result).toBeNull();
    expect(lost.answer).toMatchObject({ kind: 'unknown', status: 410 });
    expect(fake.commands).toHaveLength(1);
    // Not resubmitted; the history keeps it as an operation without an answer.
    expect(kv.history).toEqual([expect.objectContaining({ clientId: 's101', output: null })]);

    const next = await kv.run({ kind: 'get', key: 'k' });
    expect(next.result).toEqual({ ok: true, value: null });
    expect(fake.registrations).toBe(2);
    expect(fake.commands[1]).toMatchObject({ sessionId: 102, requestId: 1, op: { kind: 'get' } });
  });

  it('numbers requests 1, 2, 3 and drops refused commands from the history', async () => {
    const kv = new KvClient({
      replicaUrls: [fake.url],
      commandDeadlineMs: 5_000,
      attemptTimeoutMs: 2_000,
      clock: Date.now,
    });
    await kv.run(put);
    fake.script = [{ status: 413, body: { code: 'kv-quota-exceeded', slot: 10 } }];
    expect((await kv.run(put)).result).toBeNull();
    fake.script = [{ status: 400, body: { code: 'invalid-command', error: 'op.key' } }];
    await expect(kv.run(put)).rejects.toBeInstanceOf(CommandRefusedError);
    expect(fake.commands.map((x) => x.requestId)).toEqual([1, 2, 3]);
    expect(kv.history).toHaveLength(1);
    expect(kv.history[0]?.output).toEqual({ ok: true, value: null });
  });
});
