import { KeyRing, clientKeyEntry, ClientKeysEnvSchema, type Message } from '@paxos/shared';
import { createServer, type IncomingMessage } from 'node:http';
import { Histogram, Registry } from 'prom-client';
import request from 'supertest';
import { adminRoute } from '../src/service/admin-api';
import { authorizeRead, type ClientAccessDeps } from '../src/service/client-auth';
import type { ClientApiDeps } from '../src/service/client-hold';
import { commandsRoute } from '../src/service/commands-api';
import { DEFAULT_PENDING_BOUNDS, PendingCommands } from '../src/service/pending-commands';
import { sessionsRoute } from '../src/service/sessions-api';
import { performed } from './support/client-api-server';

const RW = 'pxk_read-write-key-for-the-route-tests-000';
const RO = 'pxk_read-only-key-for-the-route-tests-0000';
const TENANT = 'pxk_tenant-key-for-the-route-tests-0000000';
const ADMIN = 'admin-key-of-the-route-tests-0000';
const access: ClientAccessDeps = {
  keys: new KeyRing(
    ClientKeysEnvSchema.parse(
      [
        clientKeyEntry('rw', 'write', RW),
        clientKeyEntry('ro', 'read', RO),
        clientKeyEntry('tenant', 'write', TENANT, 'tenant-a/'),
      ].join(','),
    )!,
  ),
  allowedOrigins: new Set(['https://app.example.com']),
};

/** The client routes with `access`, a stand-in role answering every command at once. */
function serve() {
  const submitted: Message[] = [];
  const errors: string[] = [];
  const pending = new PendingCommands(DEFAULT_PENDING_BOUNDS, () => undefined);
  const deps: ClientApiDeps = {
    pending,
    submit: (m) => {
      submitted.push(m);
      if (m.type !== 'request') return;
      for (const c of m.commands) {
        setImmediate(() =>
          pending.answer({ type: 'response', from: 'replica-0', ...performed(c) }),
        );
      }
    },
    isReady: () => true,
    commandTimeoutMs: 5_000,
    latency: new Histogram({
      name: 'x',
      help: 'x',
      labelNames: ['op'],
      registers: [new Registry()],
    }),
    countError: (code) => errors.push(code),
    access,
  };
  const routes = [
    commandsRoute(deps),
    sessionsRoute(deps),
    adminRoute({ ...deps, adminKey: ADMIN, currentState: () => undefined, log: () => undefined }),
  ];
  const server = createServer((req, res) => {
    if (!routes.some((r) => r(req, res))) res.writeHead(404).end();
  });
  return { server, submitted, errors };
}

const command = (op: object) => ({ sessionId: 42, requestId: 1, op });
const put = command({ kind: 'put', key: 'k', value: 'v' });
const get = command({ kind: 'get', key: 'k' });

describe('client keys on POST /commands and /sessions', () => {
  it('401 without a key or with a wrong one; nothing reaches the role', async () => {
    const api = serve();
    const none = await request(api.server).post('/commands').send(put).expect(401);
    expect(none.body).toMatchObject({ code: 'unauthorized' });
    await request(api.server)
      .post('/commands')
      .set('authorization', `Bearer ${RW}x`)
      .send(put)
      .expect(401);
    await request(api.server).post('/sessions').send({}).expect(401);
    expect(api.submitted).toEqual([]);
    expect(api.errors).toEqual(['unauthorized', 'unauthorized', 'unauthorized']);
  });

  it('a read-only key registers and reads, and is refused a write before it is queued', async () => {
    const api = serve();
    const auth = `Bearer ${RO}`;
    await request(api.server).post('/sessions').set('authorization', auth).send({}).expect(200);
    await request(api.server).post('/commands').set('authorization', auth).send(get).expect(200);
    const r = await request(api.server)
      .post('/commands')
      .set('authorization', auth)
      .send(put)
      .expect(403);
    expect(r.body).toMatchObject({
      code: 'forbidden',
      error: expect.stringContaining('read-only'),
    });
    // The registration and the get: the put never became a request.
    expect(api.submitted.map((m) => m.type === 'request' && m.commands[0]!.op.kind)).toEqual([
      'register',
      'get',
    ]);
  });

  it('a read-write key writes; a prefix-limited key only inside its prefix', async () => {
    const api = serve();
    await request(api.server)
      .post('/commands')
      .set('authorization', `Bearer ${RW}`)
      .send(put)
      .expect(200);
    const tenant = `Bearer ${TENANT}`;
    const inside = command({ kind: 'put', key: 'tenant-a/x', value: 'v' });
    await request(api.server)
      .post('/commands')
      .set('authorization', tenant)
      .send(inside)
      .expect(200);
    const r = await request(api.server)
      .post('/commands')
      .set('authorization', tenant)
      .send(put)
      .expect(403);
    expect(r.body.error).toContain('"tenant-a/"');
  });
});

describe('browser safety', () => {
  const auth = `Bearer ${RW}`;

  it.each(['text/plain', 'application/x-www-form-urlencoded'])(
    '415 for a %s body on every state-changing route',
    async (type) => {
      const api = serve();
      for (const path of ['/commands', '/sessions', '/admin/reconfigure']) {
        const r = await request(api.server)
          .post(path)
          .set('authorization', auth)
          .set('content-type', type)
          .send(JSON.stringify(put))
          .expect(415);
        expect(r.body).toMatchObject({ code: 'unsupported-media-type' });
      }
      expect(api.submitted).toEqual([]);
    },
  );

  it('403 origin-refused for a foreign page, with or without a key', async () => {
    const api = serve();
    for (const path of ['/commands', '/sessions', '/admin/reconfigure']) {
      const r = await request(api.server)
        .post(path)
        .set('origin', 'http://evil.example')
        .set('content-type', 'text/plain')
        .send(JSON.stringify(put))
        .expect(403);
      expect(r.body).toMatchObject({ code: 'origin-refused' });
    }
    await request(api.server)
      .post('/commands')
      .set('origin', 'http://evil.example')
      .set('authorization', auth)
      .send(put)
      .expect(403);
    expect(api.submitted).toEqual([]);
  });

  it('a listed origin and the replica’s own page pass', async () => {
    const api = serve();
    await request(api.server)
      .post('/commands')
      .set('origin', 'https://app.example.com')
      .set('authorization', auth)
      .send(put)
      .expect(200);
    const own = await request(api.server).post('/sessions').send({});
    expect(own.status).toBe(401); // reached the key check: the Origin was not the problem
    // Its own page: the Origin names the host the request was sent to.
    const host = 'replica-0.example:8151';
    await request(api.server)
      .post('/commands')
      .set('host', host)
      .set('origin', `http://${host}`)
      .set('authorization', auth)
      .send(get)
      .expect(200);
  });
});

describe('authorizeRead (for GET /watch)', () => {
  const req = (authorization?: string) =>
    ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

  it('needs a key that may read the whole prefix', () => {
    expect(authorizeRead(access, req(), '')).toMatchObject({ status: 401 });
    expect(authorizeRead(access, req(`Bearer ${RO}`), '')).toBeNull();
    expect(authorizeRead(access, req(`Bearer ${TENANT}`), 'tenant-a/')).toBeNull();
    expect(authorizeRead(access, req(`Bearer ${TENANT}`), 'tenant-')).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(authorizeRead({ keys: null, allowedOrigins: new Set() }, req(), '')).toBeNull();
  });
});
