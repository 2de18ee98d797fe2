import request from 'supertest';
import { waitingRequests } from '../src/app';
import { PostgresDatabase } from '../src/db/postgres';
import {
  callQuery,
  describeOnPostgres,
  listen,
  openTestApp,
  READ_WRITE_KEY,
  type TestApp,
} from './support/app-harness';
import { TcpProxy } from './support/tcp-proxy';

describeOnPostgres('a database outage (real PostgreSQL behind a TCP proxy)', () => {
  let h: TestApp;
  let proxy: TcpProxy;
  let server: { baseUrl: string; close(): Promise<void> };

  beforeAll(async () => {
    const target = new URL(process.env.DATABASE_URL!);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    h = await openTestApp('outage', {
      db: (t) => {
        const viaProxy = new URL(t.databaseUrl!);
        viaProxy.host = `127.0.0.1:${proxy.port}`;
        return new PostgresDatabase(viaProxy.toString(), { connectTimeoutMs: 1_000 });
      },
    });
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
    await proxy.stop();
  });

  const depth = () => request(h.app).get('/custom/queue_depth').set('X-API-KEY', READ_WRITE_KEY);

  it('answers 503 while the database is gone and recovers by itself when it is back', async () => {
    await depth().expect(200);
    // A long poll is waiting when the database goes away: the LISTEN connection drops too.
    const waiting = callQuery(
      server.baseUrl,
      'queue_claim',
      { dst: 'acceptor-0', owner: 'c#1', limit: 1, leaseMs: 1_000 },
      { waitSeconds: 1 },
    );
    for (let i = 0; i < 200 && waitingRequests(h.app) === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await proxy.cut();
    expect((await waiting).status).toBe(200);

    const down = await depth().expect(503);
    expect(down.body).toEqual({
      errors: [{ error: 'the database is unavailable; retry later' }],
    });
    await request(h.app).get('/healthz').expect(503);
    const claim = await callQuery(
      server.baseUrl,
      'queue_claim',
      { dst: 'acceptor-0', owner: 'c#1', limit: 1, leaseMs: 1_000 },
      { waitSeconds: 2 },
    );
    expect(claim.status).toBe(503);

    await proxy.restore();
    // No restart, no reset: the pool opens fresh connections for the next requests.
    await depth().expect(200);
    await request(h.app).get('/healthz').expect(200);

    // The LISTEN connection comes back too (it retries every second): a long poll is woken
    // by a push again, not merely answered at its deadline.
    let woken = false;
    for (let attempt = 0; attempt < 10 && !woken; attempt++) {
      const dst = `after-outage-${attempt}`;
      const poll = callQuery<{ element_identifier: string }>(
        server.baseUrl,
        'queue_claim',
        { dst, owner: 'c#1', limit: 1, leaseMs: 1_000 },
        { waitSeconds: 2 },
      );
      await new Promise((r) => setTimeout(r, 200));
      // Pushed straight into the database, not through the proxy the app uses.
      await h.t.db.query(
        "INSERT INTO queue_item (element_identifier, dst, payload) VALUES ($1, $2, '{}')",
        [dst, dst],
      );
      woken = ((await poll).body.data ?? []).length === 1;
    }
    expect(woken).toBe(true);
  });

  it('answers 503 when connecting to the database stalls, and recovers when it answers again', async () => {
    await depth().expect(200);
    proxy.hang();
    const stalled = await depth();
    expect(stalled.status).toBe(503);
    expect(stalled.body).toEqual({
      errors: [{ error: 'the database is unavailable; retry later' }],
    });
    await proxy.restore();
    await depth().expect(200);
  });
});
