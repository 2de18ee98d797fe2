import type { Message, Response } from '@paxos/shared';
import { createServer, type Server } from 'node:http';
import { Histogram, Registry } from 'prom-client';
import request from 'supertest';
import { COMMAND_BODY_LIMIT_BYTES, commandsRoute } from '../src/service/commands-api';
import { PendingCommands } from '../src/service/pending-commands';

/** The route on a bare node:http server; what it does not take gets a 404 (express's place). */
function serve(o: { ready?: boolean; timeoutMs?: number; decide?: boolean } = {}) {
  const pending = new PendingCommands();
  const submitted: Message[] = [];
  const route = commandsRoute({
    pending,
    isReady: () => o.ready ?? true,
    commandTimeoutMs: o.timeoutMs ?? 5_000,
    latency: new Histogram({
      name: 'x',
      help: 'x',
      labelNames: ['op'],
      registers: [new Registry()],
    }),
    submit: (m) => {
      submitted.push(m);
      if (m.type !== 'request' || o.decide === false) return;
      // Stands in for the role: decided at slot 7 and answered on the next turn.
      for (const c of m.commands) {
        const response: Response = {
          type: 'response',
          from: 'replica-0',
          clientId: c.clientId,
          requestId: c.requestId,
          slot: 7,
          result: { ok: true, value: null },
        };
        setImmediate(() => pending.answer(response));
      }
    },
  });
  const server: Server = createServer((req, res) => {
    if (!route(req, res)) res.writeHead(404).end();
  });
  return { server, submitted, pending };
}

const put = { clientId: 'c1', requestId: 'r1', op: { kind: 'put', key: 'k', value: 'v' } };

describe('POST /commands on node:http', () => {
  it('submits the command and answers with its slot and result once it is performed', async () => {
    const { server, submitted, pending } = serve();
    const r = await request(server).post('/commands').send(put).expect(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.body).toEqual({
      clientId: 'c1',
      requestId: 'r1',
      slot: 7,
      result: { ok: true, value: null },
    });
    expect(submitted).toEqual([{ type: 'request', from: 'c1', commands: [put] }]);
    expect(pending.size).toBe(0);
  });

  it.each([
    ['malformed JSON', '{"clientId": ', /not valid JSON/],
    ['an empty body', '', /not valid JSON/],
    ['a missing op', JSON.stringify({ clientId: 'c1', requestId: 'r1' }), /invalid command: op/],
    [
      'an unknown op kind',
      JSON.stringify({ ...put, op: { kind: 'drop', key: 'k' } }),
      /invalid command: op/,
    ],
    ['a JSON array', '[1,2]', /invalid command/],
  ])('answers 400 naming the problem for %s, and submits nothing', async (_l, body, error) => {
    const { server, submitted } = serve();
    const r = await request(server)
      .post('/commands')
      .set('content-type', 'application/json')
      .send(body)
      .expect(400);
    expect(r.body.error).toMatch(error);
    expect(submitted).toEqual([]);
  });

  it('refuses a body over the limit with a 400 and submits nothing', async () => {
    const { server, submitted } = serve();
    const huge = {
      ...put,
      op: { kind: 'put', key: 'k', value: 'x'.repeat(COMMAND_BODY_LIMIT_BYTES) },
    };
    const r = await request(server).post('/commands').send(huge).expect(400);
    expect(r.body.error).toMatch(/too large/);
    expect(submitted).toEqual([]);
  });

  it('answers 503 (retry with the same requestId) while the replica is not ready', async () => {
    const { server, submitted } = serve({ ready: false });
    const r = await request(server).post('/commands').send(put).expect(503);
    expect(r.body).toMatchObject({ retryable: true });
    expect(r.body.error).toMatch(/same requestId/);
    expect(submitted).toEqual([]);
  });

  it('answers 504 when the command is not performed in time, and forgets the waiter', async () => {
    const { server, pending } = serve({ timeoutMs: 50, decide: false });
    const r = await request(server).post('/commands').send(put).expect(504);
    expect(r.body).toMatchObject({ retryable: true, clientId: 'c1', requestId: 'r1' });
    expect(pending.size).toBe(0);
  });

  it('leaves other requests to the next handler', async () => {
    const { server } = serve();
    await request(server).get('/commands').expect(404);
    await request(server).post('/commandsx').send(put).expect(404);
    await request(server).post('/commands?trace=1').send(put).expect(200);
  });
});

describe('PendingCommands', () => {
  it('answers every waiter of one command, and times out the others at the sweep', () => {
    let now = 0;
    const pending = new PendingCommands(() => now);
    const outcomes: string[] = [];
    const record = (label: string) => (o: { kind: string }) => outcomes.push(`${label}:${o.kind}`);
    void pending.wait({ clientId: 'a', requestId: '1' }, 100).then(record('a1'));
    void pending.wait({ clientId: 'a', requestId: '1' }, 100).then(record('a1-retry'));
    void pending.wait({ clientId: 'b', requestId: '1' }, 100).then(record('b1'));
    pending.answer({
      type: 'response',
      from: 'replica-0',
      clientId: 'a',
      requestId: '1',
      slot: 1,
      result: { ok: true, value: null },
    });
    now = 99;
    pending.sweep();
    expect(pending.size).toBe(1);
    now = 100;
    pending.sweep();
    expect(pending.size).toBe(0);
    return new Promise<void>((done) =>
      setImmediate(() => {
        expect(outcomes.sort()).toEqual(['a1-retry:answered', 'a1:answered', 'b1:timeout']);
        done();
      }),
    );
  });
});
