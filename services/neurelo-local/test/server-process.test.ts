import { openTestDatabase, type TestDatabase } from './support/test-database';
import { describeOnPostgres } from './support/app-harness';
import {
  ServerStartError,
  startServerProcess,
  type ServerProcess,
} from '../src/tools/server-process';
import { TcpProxy } from './support/tcp-proxy';

const KEY = 'neurelo_process_test_key';

/** The server as a real OS process: `npx tsx services/neurelo-local/src/main.ts`. */
describe('the server process', () => {
  it('refuses a bad setting with a message naming the variable', async () => {
    const started = startServerProcess({ NEURELO_API_KEY: KEY, PORT: 'eighty' });
    await expect(started).rejects.toThrow(ServerStartError);
    await expect(started).rejects.toThrow(/invalid configuration: PORT must be a whole number/);
  });

  it('stops gracefully on SIGTERM: a pending long poll is answered at once', async () => {
    const server = await startServerProcess({
      NEURELO_API_KEY: KEY,
      DATABASE_URL: undefined,
      PGLITE_DATA_DIR: undefined,
    });
    try {
      const poll = fetch(`${server.baseUrl}/custom/queue_claim`, {
        method: 'POST',
        headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json', Prefer: 'wait=20' },
        body: JSON.stringify({ dst: 'acceptor-0', owner: 'c#1', limit: 1, leaseMs: 1_000 }),
      });
      await new Promise((r) => setTimeout(r, 500));
      const stoppedAt = Date.now();
      expect(await server.stop()).toBe(0);
      const res = await poll;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: [] });
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
      expect(server.logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['listening', 'stopping', 'stopped']),
      );
      expect(JSON.stringify(server.logs)).not.toContain(KEY);
    } finally {
      server.killGroup('SIGKILL');
    }
  });
});

describeOnPostgres('a server SIGKILLed in the middle of step_commits (real PostgreSQL)', () => {
  let t: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    t = await openTestDatabase('crash');
    server = await startServerProcess({ NEURELO_API_KEY: KEY, DATABASE_URL: t.databaseUrl });
  });
  afterAll(async () => {
    server.killGroup('SIGKILL');
    await t.drop();
  });

  const call = async (name: string, variables: object): Promise<Response> =>
    fetch(`${server.baseUrl}/custom/${name}`, {
      method: 'POST',
      headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify(variables),
    });

  it('leaves every commit with all of its effects or none', async () => {
    const steps = 400;
    const epoch = (
      (await (
        await call('epoch_claim', { processId: 'p', holder: 'test', leaseMs: 60_000 })
      ).json()) as {
        data: [{ epoch: number }];
      }
    ).data[0].epoch;
    const inbox = Array.from({ length: steps }, (_, i) => ({
      id: `in-${i}`,
      dst: 'p',
      payload: '{}',
    }));
    expect((await call('queue_push', { messages: JSON.stringify(inbox) })).status).toBe(200);
    const claimed = await call('queue_claim', {
      dst: 'p',
      owner: `p#${epoch}`,
      limit: steps,
      leaseMs: 600_000,
    });
    expect(((await claimed.json()) as { data: unknown[] }).data).toHaveLength(steps);

    // Six clients commit steps back to back; the server is killed while they are in flight.
    let next = 0;
    let inFlight = 0;
    const confirmed: number[] = [];
    const client = async () => {
      while (next < steps) {
        const i = next++;
        inFlight += 1;
        try {
          const res = await call('step_commit', {
            processId: 'p',
            epoch,
            writeSeq: i + 1,
            acks: JSON.stringify([`in-${i}`]),
            puts: JSON.stringify([{ key: `k-${i}`, slot: i, value: { step: i } }]),
            truncateBelow: 0,
            sends: JSON.stringify([{ id: `out-${i}`, dst: 'q', payload: `{"step":${i}}` }]),
          });
          if (res.status === 200) confirmed.push(i);
        } catch {
          return; // the server is gone
        } finally {
          inFlight -= 1;
        }
      }
    };
    const clients = Array.from({ length: 6 }, () => client());
    while (confirmed.length < 40) await new Promise((r) => setTimeout(r, 5));
    const inFlightAtKill = inFlight;
    server.killGroup('SIGKILL');
    await Promise.all(clients);
    expect(await server.exited).toBeNull();
    expect(inFlightAtKill).toBeGreaterThan(0);

    // Let Postgres finish (or roll back) whatever the dead server's connections were running.
    for (let i = 0; i < 100; i++) {
      const busy = await t.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'",
      );
      if (busy.rowCount === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ids = async (sql: string) =>
      new Set((await t.db.query<{ id: string }>(sql)).rows.map((r) => r.id));
    const inbox_left = await ids("SELECT element_identifier AS id FROM queue_item WHERE dst = 'p'");
    const sent = await ids("SELECT element_identifier AS id FROM queue_item WHERE dst = 'q'");
    const state = await ids("SELECT key AS id FROM durable_state WHERE owner = 'p'");

    const partial: string[] = [];
    let committed = 0;
    for (let i = 0; i < steps; i++) {
      const effects = [!inbox_left.has(`in-${i}`), state.has(`k-${i}`), sent.has(`out-${i}`)];
      if (effects.every(Boolean)) committed += 1;
      else if (effects.some(Boolean)) partial.push(`step ${i}: ${effects.join(', ')}`);
    }
    expect(partial).toEqual([]);
    for (const i of confirmed) expect(state.has(`k-${i}`)).toBe(true);
    expect(committed).toBeGreaterThanOrEqual(confirmed.length);
    expect(committed).toBeLessThan(steps);
  });
});

describeOnPostgres('a server started before its database (real PostgreSQL)', () => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    t = await openTestDatabase('late');
    const target = new URL(t.databaseUrl!);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    await proxy.cut();
  });
  afterAll(async () => {
    await proxy.stop();
    await t.drop();
  });

  it('waits for the database, saying so, and serves once it answers', async () => {
    const viaProxy = new URL(t.databaseUrl!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    // The "database" refuses connections for a while, as a container not yet started does:
    // until the server has said twice that it waits (however long its own start took).
    let waitsSeen = 0;
    let sawTwoWaits: () => void = () => undefined;
    const twoWaits = new Promise<void>((resolve) => (sawTwoWaits = resolve));
    const starting = startServerProcess(
      { NEURELO_API_KEY: KEY, DATABASE_URL: viaProxy.toString() },
      60_000,
      (entry) => {
        if (entry.msg === 'the database does not answer yet; waiting for it') waitsSeen += 1;
        if (waitsSeen >= 2) sawTwoWaits();
      },
    );
    await Promise.race([twoWaits, starting]);
    await proxy.restore();
    const server = await starting;
    try {
      const waits = server.logs.filter(
        (l) => l.msg === 'the database does not answer yet; waiting for it',
      );
      expect(waits.length).toBeGreaterThanOrEqual(2);
      expect(String(waits[0]!.err)).toMatch(/ECONNREFUSED/);
      expect(server.logs.some((l) => l.level === 60)).toBe(false);
      expect(server.logs.find((l) => l.msg === 'database connections opened')).toMatchObject({
        opened: 10,
        failed: 0,
      });
      const res = await fetch(`${server.baseUrl}/custom/epoch_claim`, {
        method: 'POST',
        headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ processId: 'late-start', holder: 'test', leaseMs: 60_000 }),
      });
      expect(res.status).toBe(200);
    } finally {
      server.killGroup('SIGKILL');
    }
  });
});
