import { LIMITS, opDigest, type Command, type Response } from '@paxos/shared';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { eventually, performed, serveClientApi } from './support/client-api-server';

const putOp = { kind: 'put', key: 'k', value: 'v' } as const;
const put = { sessionId: 1, requestId: 1, op: putOp };

/** A refusal (or other) answer the stand-in role gives for every command. */
const answering =
  (result: Response['result'], digest?: string) =>
  (c: Command): ReturnType<typeof performed> => ({
    ...performed(c),
    result,
    opDigest: digest ?? opDigest(c.op),
  });

describe('POST /commands', () => {
  it('200: submits the command and answers with its slot and result once it is performed', async () => {
    const api = serveClientApi();
    const r = await request(api.server).post('/commands').send(put).expect(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.body).toEqual({
      sessionId: 1,
      requestId: 1,
      slot: 7,
      result: { ok: true, value: null },
    });
    expect(api.submitted).toEqual([{ type: 'request', from: 'client:1', commands: [put] }]);
    expect(api.pending.size).toBe(0);
    expect(api.pending.held).toBe(0);
    expect(api.pending.heldBytes).toBe(0);
  });

  const surrogate = String.fromCharCode(0xd800);
  it.each([
    ['malformed JSON', '{"sessionId": ', /not valid JSON/],
    ['an empty body', '', /not valid JSON/],
    ['a missing op', JSON.stringify({ sessionId: 1, requestId: 1 }), /op:/],
    ['an unknown op kind', JSON.stringify({ ...put, op: { kind: 'drop', key: 'k' } }), /op/],
    ['a JSON array', '[1,2]', /invalid command/],
    [
      'session 0 (only POST /sessions registers)',
      JSON.stringify({ ...put, sessionId: 0 }),
      /sessionId/,
    ],
    ['a request number that is a string', JSON.stringify({ ...put, requestId: 'r1' }), /requestId/],
    ['a request number of 0', JSON.stringify({ ...put, requestId: 0 }), /requestId/],
    [
      'NUL in a value',
      JSON.stringify({ ...put, op: { ...putOp, value: 'a\u0000b' } }),
      /op\.value.*NUL/,
    ],
    [
      'a lone surrogate in a key',
      JSON.stringify({ ...put, op: { ...putOp, key: `k${surrogate}` } }),
      /op\.key.*surrogate/,
    ],
    [
      'a consistency on a write',
      JSON.stringify({ ...put, consistency: 'serializable' }),
      /consistency applies to get and list only, not put/,
    ],
    [
      'an unknown consistency',
      JSON.stringify({ ...put, op: { kind: 'get', key: 'k' }, consistency: 'eventual' }),
      /consistency/,
    ],
    [
      'a value over LIMITS.valueJsonBytesMax',
      JSON.stringify({ ...put, op: { ...putOp, value: 'x'.repeat(LIMITS.valueJsonBytesMax) } }),
      /op\.value/,
    ],
  ])(
    '400 invalid-command naming the problem for %s, and submits nothing',
    async (_l, body, error) => {
      const api = serveClientApi();
      const r = await request(api.server)
        .post('/commands')
        .set('content-type', 'application/json')
        .send(body)
        .expect(400);
      expect(r.body.code).toBe('invalid-command');
      expect(r.body.error).toMatch(error);
      expect(api.submitted).toEqual([]);
      expect(api.pending.held).toBe(0);
    },
  );

  it('413 too-large for a body over LIMITS.commandBodyBytesMax, submitting nothing', async () => {
    const api = serveClientApi();
    const huge = { ...put, op: { ...putOp, value: 'x'.repeat(LIMITS.commandBodyBytesMax) } };
    const r = await request(api.server).post('/commands').send(huge).expect(413);
    expect(r.body.code).toBe('too-large');
    expect(api.submitted).toEqual([]);
    expect(api.pending.held).toBe(0);
  });

  it('413 too-large for a command over LIMITS.commandJsonBytesMax in a body within its limit', async () => {
    const api = serveClientApi();
    const half = 'x'.repeat(50_000);
    const cas = { ...put, op: { kind: 'cas', key: 'k', expected: half, value: half } };
    const r = await request(api.server).post('/commands').send(cas).expect(413);
    expect(r.body).toMatchObject({ code: 'too-large' });
    expect(r.body.error).toMatch(`${LIMITS.commandJsonBytesMax}`);
    expect(api.submitted).toEqual([]);
  });

  it('200 for a read: passes its consistency to the role and answers with `read`', async () => {
    const api = serveClientApi({
      decide: (c) => ({
        ...performed(c),
        slot: 5,
        result: { ok: true, value: 'v' },
        read: 'serializable',
      }),
    });
    const read = {
      sessionId: 1,
      requestId: 2,
      op: { kind: 'get', key: 'k' },
      consistency: 'serializable',
    };
    const r = await request(api.server).post('/commands').send(read).expect(200);
    expect(r.body).toEqual({
      sessionId: 1,
      requestId: 2,
      slot: 5,
      result: { ok: true, value: 'v' },
      read: 'serializable',
    });
    expect(api.submitted).toEqual([{ type: 'request', from: 'client:1', commands: [read] }]);
  });

  it('409 request-id-conflict when the request number already ran with another operation', async () => {
    const api = serveClientApi({
      decide: answering({ ok: true, value: null }, opDigest({ kind: 'delete', key: 'k' })),
    });
    const r = await request(api.server).post('/commands').send(put).expect(409);
    expect(r.body.code).toBe('request-id-conflict');
    expect(r.body.error).toMatch(/different operation/);
  });

  it.each(['session-unknown', 'request-too-old'] as const)(
    '410 %s: never ran now, outcome unknown',
    async (refused) => {
      // Even with another operation's digest: a refusal ran nothing, so it is not a conflict.
      const api = serveClientApi({
        decide: answering({ ok: false, value: null, refused }, 'ffffffffffffffff'),
      });
      const r = await request(api.server).post('/commands').send(put).expect(410);
      expect(r.body).toMatchObject({ code: refused, outcomeUnknown: true });
      expect(r.body.error).toMatch(/do not resubmit/);
    },
  );

  it('413 kv-quota-exceeded with the slot where it was refused', async () => {
    const api = serveClientApi({
      decide: answering({ ok: false, value: null, refused: 'kv-quota-exceeded' }),
    });
    const r = await request(api.server).post('/commands').send(put).expect(413);
    expect(r.body).toMatchObject({ code: 'kv-quota-exceeded', slot: 7 });
  });

  it('503 not-ready with Retry-After while the replica is not ready', async () => {
    const api = serveClientApi({ ready: false });
    const r = await request(api.server).post('/commands').send(put).expect(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.body).toMatchObject({ code: 'not-ready', retryable: true });
    expect(r.body.error).toMatch(/same requestId/);
    expect(api.submitted).toEqual([]);
  });

  it('504 timeout when the command is not performed in time; forgets the waiter and withdraws', async () => {
    const api = serveClientApi({ timeoutMs: 50, decide: () => null });
    const r = await request(api.server).post('/commands').send(put).expect(504);
    expect(r.body).toMatchObject({ code: 'timeout', retryable: true, sessionId: 1, requestId: 1 });
    expect(api.pending.size).toBe(0);
    expect(api.pending.held).toBe(0);
    expect(api.withdrawals()).toEqual([
      { type: 'withdraw', from: 'client:1', sessionId: 1, requestId: 1 },
    ]);
  });

  it('counts every error answer by code (metrics)', async () => {
    const api = serveClientApi({ ready: false });
    await request(api.server).post('/commands').send(put).expect(503);
    expect(api.errors).toEqual(['not-ready']);
  });

  it('leaves other requests to the next handler', async () => {
    const api = serveClientApi();
    await request(api.server).get('/commands').expect(404);
    await request(api.server).post('/commandsx').send(put).expect(404);
    await request(api.server).post('/commands?trace=1').send(put).expect(200);
  });
});

describe('POST /commands: a client that goes away', () => {
  /** Sends `body` on a raw connection and returns a function that drops it. */
  function postAndDrop(base: string, body: object): () => void {
    const text = JSON.stringify(body);
    const req = httpRequest(`${base}/commands`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    });
    req.on('error', () => undefined);
    req.end(text);
    return () => req.destroy();
  }

  it('its waiter is removed and, with nobody else waiting, its command is withdrawn', async () => {
    const api = serveClientApi({ decide: () => null });
    const base = await api.listen();
    try {
      const dropFirst = postAndDrop(base, put);
      const dropSecond = postAndDrop(base, put);
      await eventually(() => api.requests().length === 2 && api.pending.held === 2);
      expect(api.pending.size).toBe(1);
      dropFirst();
      await eventually(() => api.pending.held === 1);
      // The retry on the second connection still waits: nothing is withdrawn yet.
      expect(api.withdrawals()).toEqual([]);
      dropSecond();
      await eventually(() => api.withdrawals().length === 1);
      expect(api.withdrawals()[0]).toMatchObject({ sessionId: 1, requestId: 1 });
      expect(api.pending.size).toBe(0);
      expect(api.pending.held).toBe(0);
      expect(api.pending.heldBytes).toBe(0);
    } finally {
      await api.close();
    }
  });
});

describe('POST /commands: backpressure', () => {
  it('503 overloaded with Retry-After past the count bound', async () => {
    const api = serveClientApi({
      decide: () => null,
      bounds: { commandsMax: 2, bytesMax: 1 << 20 },
    });
    const base = await api.listen();
    try {
      const held = [1, 2].map((requestId) =>
        request(base)
          .post('/commands')
          .send({ ...put, requestId })
          .then((r) => r.status),
      );
      await eventually(() => api.requests().length === 2);
      const r = await request(base)
        .post('/commands')
        .send({ ...put, requestId: 3 })
        .expect(503);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.body).toMatchObject({ code: 'overloaded', retryable: true });
      for (const requestId of [1, 2]) api.answer(performed({ ...put, requestId }));
      expect(await Promise.all(held)).toEqual([200, 200]);
      expect(api.pending.held).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('many large pending requests stay within the byte bound; the rest are refused 503', async () => {
    const bytesMax = 1 << 20;
    const api = serveClientApi({ decide: () => null, bounds: { commandsMax: 10_000, bytesMax } });
    const base = await api.listen();
    let heldBytesMax = 0;
    const watch = setInterval(
      () => (heldBytesMax = Math.max(heldBytesMax, api.pending.heldBytes)),
      1,
    );
    try {
      // Request numbers and keys of equal length, so every body has the same size.
      const commands = Array.from({ length: 40 }, (_, i) => ({
        sessionId: 1,
        requestId: 1_000 + i,
        op: { kind: 'put', key: `k${100 + i}`, value: 'x'.repeat(60_000) },
      }));
      const bodyBytes = Buffer.byteLength(JSON.stringify(commands[0]));
      const admittedMax = Math.floor(bytesMax / bodyBytes);
      const statuses = commands.map((c) =>
        request(base)
          .post('/commands')
          .send(c)
          .then((r) => `${r.status} ${r.headers['retry-after'] ?? '-'}`),
      );
      await eventually(() => api.errors.length + api.requests().length === commands.length);
      expect(api.requests().length).toBe(admittedMax);
      expect(api.pending.heldBytes).toBeLessThanOrEqual(bytesMax);
      expect(api.pending.heldBytes).toBe(admittedMax * bodyBytes);
      for (const m of api.requests())
        if (m.type === 'request') api.answer(performed(m.commands[0]!));
      const all = await Promise.all(statuses);
      expect(all.filter((s) => s === '200 -')).toHaveLength(admittedMax);
      expect(all.filter((s) => s === '503 1')).toHaveLength(commands.length - admittedMax);
      expect(heldBytesMax).toBeLessThanOrEqual(bytesMax);
      expect(api.pending.held).toBe(0);
      expect(api.pending.heldBytes).toBe(0);
    } finally {
      clearInterval(watch);
      await api.close();
    }
  });
});

describe('POST /sessions', () => {
  it('registers through the log with a random request number and answers the session id', async () => {
    const api = serveClientApi();
    const r = await request(api.server).post('/sessions').expect(200);
    expect(r.body).toEqual({ sessionId: 42 });
    const [submitted] = api.requests();
    expect(submitted).toMatchObject({ type: 'request', from: 'client:0' });
    const registration = submitted!.type === 'request' ? submitted!.commands[0]! : null;
    expect(registration).toMatchObject({ sessionId: 0, op: { kind: 'register' } });
    expect(registration!.requestId).toBeGreaterThanOrEqual(1);
    expect(registration!.requestId).toBeLessThan(2 ** 48);
    await request(api.server).post('/sessions').send({}).expect(200);
    const ids = api.requests().map((m) => (m.type === 'request' ? m.commands[0]!.requestId : 0));
    expect(new Set(ids).size).toBe(2);
  });

  it('400 for a body other than {} or empty', async () => {
    const api = serveClientApi();
    const r = await request(api.server).post('/sessions').send({ sessionId: 5 }).expect(400);
    expect(r.body).toMatchObject({ code: 'invalid-command' });
    expect(api.submitted).toEqual([]);
  });

  it('503 not-ready with Retry-After, 504 timeout with a withdraw', async () => {
    const down = serveClientApi({ ready: false });
    const r = await request(down.server).post('/sessions').expect(503);
    expect(r.headers['retry-after']).toBe('1');
    const slow = serveClientApi({ timeoutMs: 50, decide: () => null });
    const t = await request(slow.server).post('/sessions').expect(504);
    expect(t.body).toMatchObject({ code: 'timeout', retryable: true });
    expect(slow.withdrawals()).toEqual([
      expect.objectContaining({ type: 'withdraw', from: 'client:0', sessionId: 0 }),
    ]);
  });
});
