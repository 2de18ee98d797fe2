/**
 * Issue 17, points 1-10, on one fleet as users run it: every service a separate OS process,
 * the data API on the PostgreSQL of DATABASE_URL (CI; PGlite otherwise). Each point is one
 * test, in order, on the same fleet; each ends by checking that every service is ready, that
 * a normal command answers 200, and that both replicas reach the same state digest.
 *
 * The fleet runs with small bounds so each point is reached quickly: a snapshot every 5 slots,
 * 16 sessions, 1 MiB of waiting commands per replica, a 4 s epoch lease.
 */
import { DataApiClient, QueueApi, type Op } from '@paxos/shared';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Fleet } from '../src/fleet/fleet';
import { activeLeader, waitForConvergence } from '../src/fleet/observe';
import { probe, spawnService } from '../src/fleet/service-process';
import { valueOfJsonBytes } from '../src/workload/hostile-cases';
import { KvClient } from '../src/workload/kv-client';
import { wallClock } from '../src/workload/run-clients';
import { SessionClient } from '../src/workload/session-client';
import { freshFleetDatabase } from './support/fleet-database';

jest.setTimeout(180_000);

const BASE_PORT = 7500;
const SESSIONS_MAX = 16;
const PENDING_COMMAND_BYTES_MAX = 1_048_576;
const EPOCH_LEASE_MS = 4_000;
/** The replica's memory limit before issue 17 (k8s/32-replica.yaml): a flood stays well under it. */
const REPLICA_RSS_BYTES_MAX = 256 * 1_048_576;
const VALUE_60_KB = valueOfJsonBytes(60 * 1024);

describe('hostile input on a real fleet (issue 17, points 1-10)', () => {
  let fleet: Fleet;
  let queue: QueueApi;
  let dataApi: DataApiClient;
  let dropDatabase: () => Promise<void> = async () => undefined;
  const workDir = path.join(os.tmpdir(), `paxos-hostile-input-${process.pid}`);
  const url = (name: string) => `http://127.0.0.1:${fleet.spec(name).port}`;
  const replicaUrls = () => fleet.named('replica').map((s) => url(s.name));
  let normalCommands = 0;

  /** A client with a session of its own; `urls` defaults to every replica. */
  const sessionClient = (urls = replicaUrls(), attemptTimeoutMs = 8_000) =>
    new SessionClient({ replicaUrls: urls, commandDeadlineMs: 30_000, attemptTimeoutMs });
  const kvClient = (urls = replicaUrls()) =>
    new KvClient({
      replicaUrls: urls,
      commandDeadlineMs: 30_000,
      attemptTimeoutMs: 8_000,
      clock: wallClock,
    });

  /** Every service ready, a normal command answered 200, and the replicas on one digest. */
  async function expectFleetHealthy(): Promise<void> {
    await fleet.waitReady(
      fleet.services.map((s) => s.name),
      60_000,
    );
    normalCommands += 1;
    const { answer } = await kvClient().run({
      kind: 'put',
      key: `normal-${normalCommands}`,
      value: `v${normalCommands}`,
    });
    expect(answer).toMatchObject({ kind: 'ok', status: 200 });
    const { converged, views } = await waitForConvergence(fleet, 60_000);
    expect(views.every((v) => v !== null)).toBe(true);
    expect(converged).toBe(true);
  }

  const pids = () => fleet.services.map((s) => `${s.name}:${fleet.pid(s.name)}`);

  beforeAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    const db = await freshFleetDatabase('hostile');
    dropDatabase = db.drop;
    fleet = new Fleet({
      acceptors: 3,
      leaders: 2,
      replicas: 2,
      basePort: BASE_PORT,
      workDir,
      databaseUrl: db.databaseUrl,
      roleEnv: {
        // Quick failover. A new leader re-proposes MBs of 60 KB values at point 3; before
        // retransmission backed off and had a per-tick budget, re-sending them every second
        // kept such a leader from handling its replies for tens of seconds.
        LEADER_TIMEOUT_MS: '1000',
        LEADER_RETRANSMIT_MS: '1000',
        LEADER_HEARTBEAT_MS: '300',
        REPLICA_RETRY_MS: '1000',
        COMMAND_TIMEOUT_MS: '4000',
        SNAPSHOT_EVERY_SLOTS: '5',
        SESSIONS_MAX: String(SESSIONS_MAX),
        PENDING_COMMAND_BYTES_MAX: String(PENDING_COMMAND_BYTES_MAX),
        EPOCH_LEASE_MS: String(EPOCH_LEASE_MS),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
    });
    await fleet.up(120_000);
    dataApi = new DataApiClient({ baseUrl: fleet.apiBase, apiKey: fleet.apiKey });
    queue = new QueueApi(dataApi);
  });

  afterAll(async () => {
    await fleet?.down();
    await dropDatabase();
    // KEEP_FLEET_DIR=1 keeps the services' logs to read after a failure.
    if (process.env.KEEP_FLEET_DIR === '1') console.log(`fleet logs kept in ${fleet?.logDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  });

  it('1. a NUL or a lone surrogate in a key or value is refused with 400, and nothing dies', async () => {
    const before = pids();
    const c = sessionClient();
    const sessionId = (await c.ensureSession())!;
    expect(sessionId).not.toBeNull();
    const ops: Array<[Op, RegExp]> = [
      [{ kind: 'put', key: 'p1', value: 'a\u0000b' }, /value/],
      [{ kind: 'put', key: 'p1', value: 'half \ud800 a pair' }, /value/],
      [{ kind: 'get', key: 'p1\udfff' }, /key/],
      [{ kind: 'cas', key: 'p1', expected: '\u0000', value: 'x' }, /expected/],
    ];
    for (const [op, field] of ops) {
      const answer = await c.submit(sessionId, c.nextRequestId(), op);
      expect(answer).toMatchObject({ kind: 'refused', status: 400, code: 'invalid-command' });
      if (answer.kind === 'refused') expect(answer.error).toMatch(field);
    }
    // Long enough for a role that had been handed the value to have died over it.
    await sleep(2_000);
    expect(pids()).toEqual(before);
    await expectFleetHealthy();
  });

  it('2. 30 puts of 60 KB with a snapshot every 5 slots: both replicas survive SIGKILL and restart', async () => {
    const kv = kvClient();
    for (let i = 0; i < 30; i++) {
      const { answer } = await kv.run({ kind: 'put', key: `big-${i}`, value: VALUE_60_KB });
      expect(answer).toMatchObject({ kind: 'ok' });
    }
    const replicas = fleet.named('replica').map((s) => s.name);
    for (const name of replicas) await fleet.kill(name);
    for (const name of replicas) fleet.start(name);
    await fleet.waitReady(replicas, 60_000);
    const read = await kv.run({ kind: 'get', key: 'big-29' });
    expect(read.result?.value).toBe(VALUE_60_KB);
    await expectFleetHealthy();
  });

  it('3. a replica down, MBs of writes, then the active leader SIGKILLed: another leader is elected', async () => {
    await fleet.kill('replica-1');
    // 4 writers x 15 puts x 60 KB: 3.6 MB accepted above a horizon that cannot move.
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        const kv = kvClient([url('replica-0')]);
        for (let i = 0; i < 15; i++) {
          const { answer } = await kv.run({
            kind: 'put',
            key: `mb-${w}-${i % 3}`,
            value: VALUE_60_KB,
          });
          expect(answer).toMatchObject({ kind: 'ok' });
        }
      }),
    );
    const acceptorPids = fleet.named('acceptor').map((s) => fleet.pid(s.name));
    const killed = await activeLeader(fleet);
    expect(killed).not.toBeNull();
    await fleet.kill(killed!);
    const next = await waitFor('another active leader', 60_000, async () => {
      const now = await activeLeader(fleet);
      return now !== null && now !== killed ? now : null;
    });
    expect(next).not.toBe(killed);
    const { answer } = await kvClient([url('replica-0')]).run({ kind: 'get', key: 'mb-0-0' });
    expect(answer).toMatchObject({ kind: 'ok', status: 200 });
    // The phase-1 replies fitted: no acceptor restarted.
    expect(fleet.named('acceptor').map((s) => fleet.pid(s.name))).toEqual(acceptorPids);
    fleet.start('replica-1');
    fleet.start(killed!);
    await expectFleetHealthy();
  });

  it('4. past SESSIONS_MAX sessions, a late retry of an evicted session gets 410 and the newer write stays', async () => {
    const early = sessionClient();
    const sessionId = (await early.ensureSession())!;
    const put: Op = { kind: 'put', key: 'p4', value: 'early' };
    expect(await early.submit(sessionId, 1, put)).toMatchObject({ kind: 'ok' });
    const later = kvClient();
    expect((await later.run({ kind: 'put', key: 'p4', value: 'later' })).answer).toMatchObject({
      kind: 'ok',
    });
    const registered = await Promise.all(
      Array.from({ length: SESSIONS_MAX + 2 }, () => sessionClient().ensureSession()),
    );
    expect(registered.every((s) => s !== null)).toBe(true);

    const retry = await early.submit(sessionId, 1, put);
    expect(retry).toMatchObject({ kind: 'unknown', status: 410 });
    if (retry.kind === 'unknown') expect(retry.code).toMatch(/^(session-unknown|request-too-old)$/);
    const read = await kvClient().run({ kind: 'get', key: 'p4' });
    expect(read.result?.value).toBe('later');
    await expectFleetHealthy();
  });

  it('5. a request number reused with another operation gets 409, and the first one stands', async () => {
    const c = sessionClient();
    const sessionId = (await c.ensureSession())!;
    const first = await c.submit(sessionId, 1, { kind: 'put', key: 'p5', value: 'one' });
    expect(first).toMatchObject({ kind: 'ok' });
    const reused = await c.submit(sessionId, 1, { kind: 'put', key: 'p5', value: 'two' });
    expect(reused).toMatchObject({ kind: 'refused', status: 409, code: 'request-id-conflict' });
    // A true retry still gets the original answer.
    const retry = await c.submit(sessionId, 1, { kind: 'put', key: 'p5', value: 'one' });
    expect(retry).toEqual(first);
    expect((await kvClient().run({ kind: 'get', key: 'p5' })).result?.value).toBe('one');
    await expectFleetHealthy();
  });

  it("6. two acceptors down and a flood of 60 KB requests: 503 overloaded, and the replica's RSS stays bounded", async () => {
    const replica = 'replica-0';
    // Sessions first: registering needs a majority of acceptors.
    const sessions = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = sessionClient([url(replica)], 1_500);
        return { c, sessionId: (await c.ensureSession())! };
      }),
    );
    await fleet.kill('acceptor-1');
    await fleet.kill('acceptor-2');
    const pid = fleet.pid(replica)!;
    const rssBefore = rssBytes(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 100);

    // 8 sessions x 8 requests in flight; each waits 1.5 s, then disconnects and moves on.
    const statuses = new Map<number, number>();
    let overloadedWithRetryAfter = 0;
    let sent = 0;
    const REQUESTS = 1_500;
    await Promise.all(
      sessions.flatMap(({ c, sessionId }) =>
        Array.from({ length: 8 }, async (_, lane) => {
          while (sent < REQUESTS) {
            sent += 1;
            const requestId = c.nextRequestId();
            const op: Op = { kind: 'put', key: `flood-${lane % 4}`, value: VALUE_60_KB };
            const r = await c.post('/commands', JSON.stringify({ sessionId, requestId, op }));
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            const code = (r.body as { code?: string } | null)?.code;
            if (r.status === 503 && code === 'overloaded' && r.retryAfterSeconds !== null)
              overloadedWithRetryAfter += 1;
          }
        }),
      ),
    );
    clearInterval(sampler);
    console.log(
      `flood: statuses ${JSON.stringify([...statuses])}, ${replica} RSS ` +
        `${mb(rssBefore)} -> peak ${mb(rssPeak)}`,
    );
    expect(overloadedWithRetryAfter).toBeGreaterThan(0);
    // Nothing but "overloaded", "timeout" and our own disconnects (0).
    expect([...statuses.keys()].filter((s) => ![0, 503, 504].includes(s))).toEqual([]);
    expect(statuses.get(503)).toBe(overloadedWithRetryAfter);
    expect(rssPeak).toBeLessThan(REPLICA_RSS_BYTES_MAX);
    expect(fleet.pid(replica)).toBe(pid);
    fleet.start('acceptor-1');
    fleet.start('acceptor-2');
    await expectFleetHealthy();
  });

  it('7. poison messages are dead-lettered and counted, and the other messages are handled', async () => {
    const target = 'acceptor-0';
    const pid = fleet.pid(target);
    const before = await deadLettersCounted(url(target));
    const ids = [`poison-${process.pid}-not-json`, `poison-${process.pid}-not-a-message`];
    const payloads = [
      '{"type":"p2a",',
      JSON.stringify({ type: 'p2a', from: 'leader-0', slot: 'x' }),
    ];
    for (const [i, id] of ids.entries()) {
      await dataApi.request({
        method: 'POST',
        path: '/rest/queue_item/__one',
        body: { element_identifier: id, dst: target, payload: payloads[i] },
      });
    }
    // Normal traffic goes through the same acceptor meanwhile.
    const kv = kvClient();
    for (let i = 0; i < 5; i++) {
      expect((await kv.run({ kind: 'put', key: 'p7', value: `v${i}` })).answer).toMatchObject({
        kind: 'ok',
      });
    }
    await waitFor('the dead letters in /metrics', 30_000, async () =>
      (await deadLettersCounted(url(target))) >= before + ids.length ? true : null,
    );
    const filter = JSON.stringify({ element_identifier: { in: ids } });
    const dead = await dataApi.request({
      method: 'GET',
      path: '/rest/dead_letter',
      query: { filter },
    });
    expect(
      (dead.data as Array<{ element_identifier: string }>).map((r) => r.element_identifier).sort(),
    ).toEqual([...ids].sort());
    const queued = await dataApi.request({
      method: 'GET',
      path: '/rest/queue_item',
      query: { filter },
    });
    expect(queued.data).toEqual([]);
    expect(fleet.pid(target)).toBe(pid);
    await expectFleetHealthy();
  });

  it('8. a corrupt durable row stops the acceptor with an error naming it; restored, it is ready again', async () => {
    const victim = 'acceptor-2';
    await fleet.kill(victim);
    const rest = {
      path: '/rest/durable_state',
      query: { filter: JSON.stringify({ owner: victim, key: 'ballot' }) },
    };
    const rows = (await dataApi.request({ method: 'GET', ...rest })).data as Array<{
      value: unknown;
    }>;
    expect(rows).toHaveLength(1);
    const original = rows[0]!.value;
    await dataApi.request({ method: 'PATCH', ...rest, body: { value: { round: 'x' } } });

    fleet.start(victim);
    const code = await fleet.waitExit(victim, 30_000);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const log = readFileSync(path.join(fleet.logDir, `${victim}.log`), 'utf8');
    expect(log).toMatch(/durable state row "ballot" is unreadable: round/);

    await dataApi.request({ method: 'PATCH', ...rest, body: { value: original } });
    fleet.start(victim);
    await expectFleetHealthy();
  });

  it('9. a replayed older step commit changes nothing', async () => {
    const owner = `hostile-test-owner-${process.pid}`;
    const claim = await queue.claimEpoch({ processId: owner, holder: 'the-test', leaseMs: 60_000 });
    expect(claim.granted).toBe(true);
    const commit = (writeSeq: number, round: number) =>
      queue.stepCommit({
        processId: owner,
        epoch: claim.epoch,
        writeSeq,
        acks: [],
        puts: [{ key: 'ballot', slot: null, value: { round, leaderId: 'leader-0' } }],
        truncateBelow: 0,
        sends: [],
      });
    expect(await commit(2, 7)).toMatchObject({ fenced: true, put: 1 });
    // The first attempt of commit 1, landing late.
    expect(await commit(1, 3)).toMatchObject({ fenced: true, put: 0 });
    const state = await queue.loadDurable(owner);
    expect(state.get('ballot')?.value).toEqual({ round: 7, leaderId: 'leader-0' });
    await expectFleetHealthy();
  });

  it('10. a second process with a live PROCESS_ID waits, and takes over within EPOCH_LEASE_MS of a SIGKILL', async () => {
    const name = 'acceptor-0';
    const spec = fleet.spec(name);
    const twinPort = BASE_PORT + 39;
    const twin = spawnService(
      {
        ...spec,
        name: `${name}-twin`,
        port: twinPort,
        env: { ...spec.env, PORT: String(twinPort) },
      },
      fleet.logDir,
    );
    const twinExited = new Promise<void>((r) => twin.once('exit', () => r()));
    try {
      const livePid = fleet.pid(name);
      // Two whole leases: the live one stays ready, the twin waits (running, not ready).
      const until = Date.now() + 2 * EPOCH_LEASE_MS;
      while (Date.now() < until) {
        expect(await probe('acceptor', spec.port)).toBe(true);
        expect(await probe('acceptor', twinPort)).toBe(false);
        expect(twin.exitCode).toBeNull();
        await sleep(250);
      }
      expect(fleet.pid(name)).toBe(livePid);
      expect((await kvClient().run({ kind: 'get', key: 'p10' })).answer).toMatchObject({
        kind: 'ok',
      });

      await fleet.kill(name);
      const killedAt = Date.now();
      await waitFor('the twin to take over', EPOCH_LEASE_MS + 5_000, async () =>
        (await probe('acceptor', twinPort)) ? true : null,
      );
      console.log(`the twin took over ${Date.now() - killedAt} ms after the SIGKILL`);
      expect(
        (await kvClient().run({ kind: 'put', key: 'p10', value: 'twin' })).answer,
      ).toMatchObject({
        kind: 'ok',
      });
    } finally {
      twin.kill('SIGKILL');
      await twinExited;
    }
    // The fleet's own acceptor-0 again (it waits out the twin's lease).
    fleet.start(name);
    await expectFleetHealthy();
  });
});

/** Resident memory of a process, from /proc/<pid>/status. */
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`);
  return kb * 1024;
}

const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MB`;

/** `paxos_dead_letters_total`, over every reason, from a service's /metrics. */
async function deadLettersCounted(serviceUrl: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => /^paxos_dead_letters_total(\{| )/.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | null>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}
