import { Client } from 'pg';
import request from 'supertest';
import {
  describeOnPostgres,
  openTestApp,
  READ_WRITE_KEY,
  type TestApp,
} from './support/app-harness';

interface Claim {
  granted: boolean;
  epoch: number;
  retryInMs: number;
}

const LEASE_MS = 60_000;

/** epoch_claim, epoch_renew and epoch_release: one live process per id, through the real app. */
describe('the epoch lease', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('epoch_lease');
  });
  afterAll(() => h.close());

  const call = async <T>(name: string, variables: object): Promise<T> => {
    const res = await request(h.app)
      .post(`/custom/${name}`)
      .set('X-API-KEY', READ_WRITE_KEY)
      .send(variables);
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
    const rows = (res.body as { data: T[] }).data;
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };
  const claim = (processId: string, holder: string, leaseMs = LEASE_MS) =>
    call<Claim>('epoch_claim', { processId, holder, leaseMs });
  const renew = (processId: string, epoch: number, leaseMs = LEASE_MS) =>
    call<{ renewed: boolean }>('epoch_renew', { processId, epoch, leaseMs });
  const release = (processId: string, epoch: number) =>
    call<{ released: boolean }>('epoch_release', { processId, epoch });
  const row = async (processId: string) =>
    (
      await h.t.db.query<{ epoch: string; holder: string; lease_until: string | null }>(
        'SELECT epoch::text, holder, lease_until::text FROM process_epoch WHERE process_id = $1',
        [processId],
      )
    ).rows[0];
  const commit = (processId: string, epoch: number) =>
    call<{ fenced: boolean }>('step_commit', {
      processId,
      epoch,
      writeSeq: 1,
      acks: '[]',
      puts: '[]',
      truncateBelow: 0,
      sends: '[]',
    });

  it('grants a new id, refuses a second holder while the lease lives, and changes nothing then', async () => {
    expect(await claim('acceptor-0', 'pod-a')).toEqual({ granted: true, epoch: 1, retryInMs: 0 });
    const before = await row('acceptor-0');
    expect(before).toMatchObject({ epoch: '1', holder: 'pod-a' });
    const refused = await claim('acceptor-0', 'pod-b');
    expect(refused).toEqual({ granted: false, epoch: 1, retryInMs: expect.any(Number) });
    expect(refused.retryInMs).toBeGreaterThan(LEASE_MS - 5_000);
    expect(refused.retryInMs).toBeLessThanOrEqual(LEASE_MS);
    expect(await row('acceptor-0')).toEqual(before);
    // The holder itself starting again gets the next epoch at once.
    expect(await claim('acceptor-0', 'pod-a')).toEqual({ granted: true, epoch: 2, retryInMs: 0 });
  });

  it('renewal extends only the current epoch; a fenced holder learns it from renewed = false', async () => {
    const { epoch } = await claim('leader-0', 'pod-a', 1_000);
    const leaseOf = async () => Date.parse((await row('leader-0'))!.lease_until!);
    const shortLease = await leaseOf();
    expect(await renew('leader-0', epoch)).toEqual({ renewed: true });
    expect(await leaseOf()).toBeGreaterThan(shortLease + 30_000);
    expect(await renew('leader-0', epoch + 1)).toEqual({ renewed: false });
    expect(await renew('nobody', 1)).toEqual({ renewed: false });
  });

  it('a lease that runs out lets another holder in, which fences the first', async () => {
    const first = await claim('replica-0', 'pod-a', 300);
    const refused = await claim('replica-0', 'pod-b', 300);
    expect(refused.granted).toBe(false);
    expect(refused.retryInMs).toBeGreaterThan(0);
    expect(refused.retryInMs).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, refused.retryInMs + 50));
    const second = await claim('replica-0', 'pod-b');
    expect(second).toEqual({ granted: true, epoch: first.epoch + 1, retryInMs: 0 });
    expect(await renew('replica-0', first.epoch)).toEqual({ renewed: false });
    expect(await commit('replica-0', first.epoch)).toMatchObject({ fenced: false });
    expect(await commit('replica-0', second.epoch)).toMatchObject({ fenced: true });
    // And the first holder cannot take the id back while the second's lease lives.
    expect(await claim('replica-0', 'pod-a')).toMatchObject({ granted: false, epoch: 2 });
  });

  it('release hands the id over at once, and only the current epoch can release', async () => {
    const { epoch } = await claim('replica-1', 'pod-a');
    expect(await release('replica-1', epoch + 1)).toEqual({ released: false });
    expect((await claim('replica-1', 'pod-b')).granted).toBe(false);
    expect(await release('replica-1', epoch)).toEqual({ released: true });
    expect(await claim('replica-1', 'pod-b')).toEqual({
      granted: true,
      epoch: epoch + 1,
      retryInMs: 0,
    });
    expect(await release('replica-1', epoch)).toEqual({ released: false });
    expect((await claim('replica-1', 'pod-a')).granted).toBe(false);
  });

  it('a row from before the lease existed (no holder, no lease) is granted', async () => {
    await h.t.db.query("INSERT INTO process_epoch (process_id, epoch) VALUES ('old-timer', 7)");
    expect(await claim('old-timer', 'pod-a')).toEqual({ granted: true, epoch: 8, retryInMs: 0 });
  });
});

describeOnPostgres('the epoch lease under concurrency (real PostgreSQL)', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('epoch_lease_pg');
  });
  afterAll(() => h.close());

  const claim = async (processId: string, holder: string): Promise<Claim> => {
    const res = await request(h.app)
      .post('/custom/epoch_claim')
      .set('X-API-KEY', READ_WRITE_KEY)
      .send({ processId, holder, leaseMs: LEASE_MS })
      .expect(200);
    return (res.body as { data: [Claim] }).data[0];
  };

  it('grants an id to exactly one of many holders claiming at once', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `contested-${round}`;
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(id, `pod-${i}`)));
      expect(claims.filter((c) => c.granted)).toHaveLength(1);
      expect(new Set(claims.map((c) => c.epoch))).toEqual(new Set([1]));
    }
  });

  it('grants the next epoch only after in-flight step commits of the old one finished', async () => {
    const first = await claim('waits', 'pod-a');
    await h.t.db.query("UPDATE process_epoch SET lease_until = now() WHERE process_id = 'waits'");
    // An in-flight commit of the old epoch holds the row FOR SHARE, as step_commit's fence does.
    const inFlight = new Client({ connectionString: h.t.databaseUrl });
    await inFlight.connect();
    try {
      await inFlight.query('BEGIN');
      await inFlight.query(
        "SELECT 1 FROM process_epoch WHERE process_id = 'waits' AND epoch = $1 FOR SHARE",
        [first.epoch],
      );
      let settled = false;
      const next = claim('waits', 'pod-b').finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false);
      await inFlight.query('COMMIT');
      expect(await next).toEqual({ granted: true, epoch: first.epoch + 1, retryInMs: 0 });
    } finally {
      await inFlight.end();
    }
  });
});
