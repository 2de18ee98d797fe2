import {
  LIMITS,
  opDigest,
  type Command,
  type ConfigEntry,
  type ReconfigureCommand,
} from '@paxos/shared';
import { createServer } from 'node:http';
import { Histogram, Registry } from 'prom-client';
import request from 'supertest';
import { newReplicaState, type ReplicaState } from '../src/role/state';
import { adminRoute } from '../src/service/admin-api';
import type { ClientApiDeps } from '../src/service/client-hold';
import { commandsRoute } from '../src/service/commands-api';
import { DEFAULT_PENDING_BOUNDS, PendingCommands } from '../src/service/pending-commands';
import {
  outsideConfigurationError,
  replicaConfiguration,
} from '../src/service/replica-configuration';
import { sessionsRoute } from '../src/service/sessions-api';
import { type Answer } from './support/client-api-server';
import { replicaConfig } from './support/harness';

const KEY = 'k'.repeat(12) + '-admin-key';
const bearer = `Bearer ${KEY}`;
const current = {
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1'],
};
const next = { ...current, replicas: ['replica-0', 'replica-1', 'replica-2'] };

/** The role's answer to a reconfiguration: decided at slot 9, in force from 13 as epoch 1. */
function decided(c: Command): Answer {
  return {
    sessionId: c.sessionId,
    requestId: c.requestId,
    slot: 9,
    result: { ok: true, value: null, config: { epoch: 1, startSlot: 13 } },
    opDigest: opDigest(c.op),
  };
}

interface Options {
  adminKey?: string | null;
  ready?: boolean;
  state?: ReplicaState;
  decide?: (c: Command) => Answer | null;
  timeoutMs?: number;
}

/** The replica's routes on a bare server, a stand-in role answering each command. */
function serve(o: Options = {}) {
  const commands: Command[] = [];
  const logged: string[] = [];
  const state = o.state ?? newReplicaState(replicaConfig());
  const pending = new PendingCommands(DEFAULT_PENDING_BOUNDS);
  const decide = o.decide ?? decided;
  const deps: ClientApiDeps = {
    pending,
    submit: (m) => {
      if (m.type !== 'request') return;
      for (const c of m.commands) {
        commands.push(c);
        const answer = decide(c);
        if (answer) {
          setImmediate(() => pending.answer({ type: 'response', from: 'replica-0', ...answer }));
        }
      }
    },
    isReady: () => o.ready ?? true,
    commandTimeoutMs: o.timeoutMs ?? 5_000,
    latency: new Histogram({
      name: 'x',
      help: 'x',
      labelNames: ['op'],
      registers: [new Registry()],
    }),
    outsideConfiguration: () => outsideConfigurationError(state),
  };
  const admin = adminRoute({
    ...deps,
    adminKey: o.adminKey === undefined ? KEY : o.adminKey,
    currentState: () => state,
    log: (fields, message) => logged.push(`${message} ${JSON.stringify(fields)}`),
  });
  const routes = [commandsRoute(deps), sessionsRoute(deps), admin];
  const server = createServer((req, res) => {
    if (!routes.some((route) => route(req, res))) res.writeHead(404).end();
  });
  return { server, commands, logged, state, pending };
}

const reconfigure = (server: ReturnType<typeof serve>['server'], body: unknown, auth = bearer) =>
  request(server)
    .post('/admin/reconfigure')
    .set('authorization', auth)
    .send(body as object);

describe('POST /admin/reconfigure', () => {
  it('200: submits a reconfigure command of session 0 and answers its epoch and start', async () => {
    const api = serve();
    const r = await reconfigure(api.server, { ...next, window: 8 }).expect(200);
    expect(r.body).toEqual({ epoch: 1, startSlot: 13, slot: 9 });
    expect(api.commands).toHaveLength(1);
    const command = api.commands[0] as ReconfigureCommand;
    expect(command.sessionId).toBe(0);
    expect(command.requestId).toBeGreaterThanOrEqual(1);
    expect(command.op).toEqual({ kind: 'reconfigure', ...next, window: 8 });
    // The audit log names the change, never the key.
    expect(api.logged.join('\n')).toContain('replica-2');
    expect(api.logged.join('\n')).not.toContain(KEY);
  });

  it('403 while ADMIN_KEY is unset, whatever the request', async () => {
    const api = serve({ adminKey: null });
    const r = await reconfigure(api.server, next).expect(403);
    expect(r.body.error).toBe('admin endpoint disabled: set ADMIN_KEY');
    expect(api.commands).toHaveLength(0);
  });

  it.each([
    ['no header', undefined],
    ['a wrong key', 'Bearer wrong-key-of-some-length'],
    ['a key that is a prefix', `Bearer ${KEY.slice(0, -1)}`],
    ['the key with another scheme', `Basic ${KEY}`],
    ['an empty bearer', 'Bearer '],
  ])('401 with %s, and nothing submitted', async (_what, auth) => {
    const api = serve();
    const req = request(api.server).post('/admin/reconfigure');
    if (auth !== undefined) void req.set('authorization', auth);
    const r = await req.send(next).expect(401);
    expect(r.body.code).toBe('unauthorized');
    expect(JSON.stringify(r.body)).not.toContain(KEY);
    expect(api.commands).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"acceptors":', /not valid JSON/],
    ['a missing list', { acceptors: current.acceptors, leaders: current.leaders }, /replicas/],
    ['an unknown field', { ...next, replica: ['x'] }, /replica/],
    [
      'a member named twice in a list',
      { ...next, acceptors: ['acceptor-0', 'acceptor-0', 'acceptor-1'] },
      /names a member twice/,
    ],
    [
      'a process in two roles',
      { ...next, leaders: ['leader-0', 'replica-2'] },
      /a process may hold one role only/,
    ],
    [
      'a list too long',
      {
        ...next,
        acceptors: Array.from({ length: LIMITS.configMembersMax + 1 }, (_, i) => `a-${i}`),
      },
      /acceptors/,
    ],
    ['a window of 0', { ...next, window: 0 }, /window/],
    [
      'a member changing role',
      { ...next, acceptors: ['leader-0', 'acceptor-1', 'acceptor-2'], leaders: ['leader-1'] },
      /leader-0 cannot change role/,
    ],
  ])('400 for %s, naming it', async (_what, body, message) => {
    const api = serve();
    const req = request(api.server)
      .post('/admin/reconfigure')
      .set('authorization', bearer)
      .set('content-type', 'application/json');
    const r = await req.send(typeof body === 'string' ? body : JSON.stringify(body)).expect(400);
    expect(r.body.code).toBe('invalid-reconfiguration');
    expect(r.body.error).toMatch(message);
    expect(api.commands).toHaveLength(0);
  });

  it('400 for an id that left an earlier configuration', async () => {
    const state = newReplicaState(replicaConfig());
    state.formerMembers = ['replica-9'];
    const api = serve({ state });
    const r = await reconfigure(api.server, { ...current, replicas: ['replica-0', 'replica-9'] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/replica-9 left an earlier configuration/);
  });

  it.each([
    ['reconfiguration-pending', 'epoch 1 takes effect at 13'],
    ['reconfiguration-invalid', 'acceptor-9 cannot change role'],
  ] as const)('409 when the log refuses it: %s, with the reason', async (refused, why) => {
    const api = serve({
      decide: (c) => ({ ...decided(c), result: { ok: false, value: why, refused } }),
    });
    const r = await reconfigure(api.server, next).expect(409);
    expect(r.body).toMatchObject({ code: refused, error: why, slot: 9 });
  });

  it('504 retryable when it is not decided in time', async () => {
    const api = serve({ decide: () => null, timeoutMs: 100 });
    const r = await reconfigure(api.server, next).expect(504);
    expect(r.body).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('503 retryable while the replica is not ready', async () => {
    const api = serve({ ready: false });
    const r = await reconfigure(api.server, next).expect(503);
    expect(r.body).toMatchObject({ code: 'not-ready', retryable: true });
  });

  it('405 for other methods', async () => {
    await request(serve().server).get('/admin/reconfigure').expect(405);
  });
});

describe('a replica outside every configuration it knows', () => {
  /** replica-1 after a reconfiguration that removed it came into force. */
  function removed(): ReplicaState {
    const state = newReplicaState(replicaConfig({ id: 'replica-1' }));
    const entry: ConfigEntry = {
      startSlot: 20,
      config: { epoch: 3, ...current, replicas: ['replica-0', 'replica-2'], window: 4 },
    };
    state.configs = [entry];
    state.slotOut = 25;
    return state;
  }

  it.each([
    ['/commands', { sessionId: 1, requestId: 1, op: { kind: 'get', key: 'k' } }],
    ['/sessions', {}],
  ])('POST %s answers 503 retryable, naming the members', async (path, body) => {
    const api = serve({ state: removed() });
    const r = await request(api.server).post(path).send(body).expect(503);
    expect(r.body).toEqual({
      code: 'not-member',
      retryable: true,
      error: 'replica-1 is not a member of configuration 3; members: replica-0, replica-2',
    });
    expect(r.headers['retry-after']).toBe('1');
    expect(api.commands).toHaveLength(0);
  });

  it('a client waiting when the replica leaves is sent elsewhere at once, its command withdrawn', async () => {
    const state = newReplicaState(replicaConfig({ id: 'replica-1' }));
    const api = serve({ state, decide: () => null });
    const get = { sessionId: 1, requestId: 1, op: { kind: 'get', key: 'k' } };
    const answer = request(api.server).post('/commands').send(get);
    const leave = (async () => {
      while (api.pending.size === 0) await new Promise((r) => setTimeout(r, 5));
      const left = removed();
      state.configs = left.configs;
      state.slotOut = left.slotOut;
      api.pending.turnAwayAll();
    })();
    const r = await answer;
    await leave;
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ code: 'not-member', retryable: true });
    expect(api.pending.size).toBe(0);
  });

  it('a member serves as before', async () => {
    const api = serve();
    const get = { sessionId: 1, requestId: 1, op: { kind: 'get', key: 'k' } };
    await request(api.server).post('/commands').send(get).expect(200);
    expect(api.commands).toEqual([get]);
  });
});

describe('GET /config of a replica', () => {
  it('reports the configuration in force, the pending one and the schedule', () => {
    const state = newReplicaState(replicaConfig());
    const pending: ConfigEntry = {
      startSlot: 40,
      config: { epoch: 1, ...next, window: 8 },
    };
    state.configs = [...state.configs, pending];
    state.slotOut = 30;
    const report = replicaConfiguration(state);
    expect(report).toMatchObject({
      member: true,
      epoch: 0,
      inForce: { epoch: 0, startSlot: 1, ...current, window: 4 },
      pending: { epoch: 1, startSlot: 40, ...next, window: 8 },
      slotOut: 30,
      outside: false,
    });
    expect(report.schedule).toHaveLength(2);
    state.slotOut = 40;
    state.configs = [pending];
    expect(replicaConfiguration(state)).toMatchObject({ epoch: 1, pending: null });
  });
});
