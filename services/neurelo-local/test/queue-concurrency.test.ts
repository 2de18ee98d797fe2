import {
  callQuery,
  describeOnPostgres,
  listen,
  messages,
  openTestApp,
  type TestApp,
} from './support/app-harness';

interface Claimed {
  element_identifier: string;
}

describeOnPostgres('the queue under concurrency (real PostgreSQL)', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    h = await openTestApp('queue_concurrency');
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  const ok = async <T>(p: Promise<{ status: number; body: { data?: T[] } }>): Promise<T[]> => {
    const res = await p;
    if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data!;
  };
  const push = (dst: string, ids: string[]) =>
    ok(callQuery(server.baseUrl, 'queue_push', { messages: messages(dst, ids) }));
  const range = (prefix: string, from: number, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);

  /**
   * `consumers` workers claim from `dst` until `expected` messages were acked. Every message a
   * worker holds is in `held` from its claim until its ack returns: claiming a held message is a
   * violation. The lease is long, so each message must be delivered exactly once.
   */
  async function consume(dst: string, consumers: number, expected: number, limit: number) {
    const held = new Map<string, number>();
    const deliveries = new Map<string, number>();
    const violations: string[] = [];
    let acked = 0;
    const worker = async (n: number) => {
      while (acked < expected) {
        const batch = await ok(
          callQuery<Claimed>(
            server.baseUrl,
            'queue_claim',
            { dst, owner: `consumer-${n}#1`, limit, leaseMs: 120_000 },
            { waitSeconds: 1 },
          ),
        );
        const ids = batch.map((m) => m.element_identifier);
        for (const id of ids) {
          if (held.has(id)) violations.push(`${id}: consumer ${n} while ${held.get(id)} holds it`);
          held.set(id, n);
          deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        }
        if (ids.length === 0) continue;
        await new Promise((r) => setImmediate(r)); // "handle" it
        const [result] = await ok(
          callQuery<{ acked: number }>(server.baseUrl, 'queue_ack', {
            owner: `consumer-${n}#1`,
            ids: JSON.stringify(ids),
          }),
        );
        const count = result?.acked ?? 0;
        if (count !== ids.length) violations.push(`consumer ${n} acked ${count} of ${ids.length}`);
        for (const id of ids) held.delete(id);
        acked += count;
      }
    };
    await Promise.all(Array.from({ length: consumers }, (_, n) => worker(n)));
    return { deliveries, violations };
  }

  it('8 consumers of one destination never hold the same message at once', async () => {
    await push('acceptor-0', range('m', 0, 400));
    const { deliveries, violations } = await consume('acceptor-0', 8, 400, 3);
    expect(violations).toEqual([]);
    expect(deliveries.size).toBe(400);
  });

  it('hands out the oldest messages first, per destination', async () => {
    await push('ordered', range('o', 0, 5));
    await push('other', range('x', 0, 5));
    await push('ordered', range('o', 5, 5));
    const seen: string[] = [];
    for (;;) {
      const batch = await ok(
        callQuery<Claimed>(server.baseUrl, 'queue_claim', {
          dst: 'ordered',
          owner: 'reader#1',
          limit: 3,
          leaseMs: 60_000,
        }),
      );
      if (batch.length === 0) break;
      seen.push(...batch.map((m) => m.element_identifier));
    }
    expect(seen).toEqual(range('o', 0, 10));
  });

  it('10,000 messages from concurrent producers are each delivered exactly once', async () => {
    const total = 10_000;
    const producers = 4;
    const batch = 250;
    const produce = async (p: number) => {
      const share = total / producers;
      for (let from = 0; from < share; from += batch) {
        await push('replica-0', range(`p${p}`, from, batch));
      }
    };
    const [{ deliveries, violations }] = await Promise.all([
      consume('replica-0', 8, total, 50),
      ...Array.from({ length: producers }, (_, p) => produce(p)),
    ]);
    expect(violations).toEqual([]);
    expect(deliveries.size).toBe(total);
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
    const left = await h.t.db.query("SELECT 1 FROM queue_item WHERE dst = 'replica-0'");
    expect(left.rowCount).toBe(0);
  });
});
