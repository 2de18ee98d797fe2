import { callQuery, listen, messages, openTestApp, type TestApp } from './support/app-harness';

/**
 * Every custom-query variable with a sensible range is checked in the query's own SQL, so a
 * hosted Neurelo enforces the range too. Through the real server: a value out of range is a 400
 * that names the variable and the range, and changes nothing; the bounds themselves pass.
 */
describe('range checks in the queries', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    h = await openTestApp('range_checks');
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  const claim = { dst: 'd', owner: 'o#1', limit: 10, leaseMs: 1_000 };
  const epochClaim = { processId: 'p', holder: 'pod-a', leaseMs: 1_000 };
  const commit = {
    processId: 'p',
    epoch: 1,
    writeSeq: 1,
    acks: '[]',
    puts: '[]',
    truncateBelow: 0,
    sends: '[]',
  };
  const retention = { unknownAfterMs: 60_000, deadLetterAfterMs: 60_000, batchLimit: 100 };
  const TEN_YEARS_MS = 315_360_000_000;

  // [query, variable, valid variables, out-of-range values, in-range bounds, the sentence]
  const cases: Array<[string, string, object, unknown[], unknown[], string]> = [
    [
      'queue_claim',
      'limit',
      claim,
      [0, -1, 10_001, 2 ** 40],
      [1, 10_000],
      'limit must be 1..10000',
    ],
    [
      'queue_claim',
      'leaseMs',
      claim,
      [99, -5, 600_001],
      [100, 600_000],
      'leaseMs must be 100..600000',
    ],
    [
      'epoch_claim',
      'leaseMs',
      epochClaim,
      [0, 600_001],
      [100, 600_000],
      'leaseMs must be 100..600000',
    ],
    [
      'epoch_claim',
      'holder',
      epochClaim,
      ['', 'h'.repeat(129)],
      ['h'.repeat(128)],
      'holder must be 1..128 characters',
    ],
    [
      'epoch_renew',
      'epoch',
      { processId: 'p', epoch: 1, leaseMs: 1_000 },
      [0, -1],
      [1],
      'epoch must be >= 1',
    ],
    [
      'epoch_renew',
      'leaseMs',
      { processId: 'p', epoch: 1, leaseMs: 1_000 },
      [99, 600_001],
      [100, 600_000],
      'leaseMs must be 100..600000',
    ],
    ['epoch_release', 'epoch', { processId: 'p', epoch: 1 }, [0], [1], 'epoch must be >= 1'],
    ['step_commit', 'epoch', commit, [0, -7], [1], 'epoch must be >= 1'],
    ['step_commit', 'writeSeq', commit, [0, -1], [1], 'writeSeq must be >= 1'],
    ['step_commit', 'truncateBelow', commit, [-1], [0], 'truncateBelow must be >= 0'],
    [
      'queue_retention',
      'unknownAfterMs',
      retention,
      [999, 0, TEN_YEARS_MS + 1],
      [1_000, TEN_YEARS_MS],
      'unknownAfterMs must be 1000..315360000000',
    ],
    [
      'queue_retention',
      'deadLetterAfterMs',
      retention,
      [999, TEN_YEARS_MS + 1],
      [1_000, TEN_YEARS_MS],
      'deadLetterAfterMs must be 1000..315360000000',
    ],
    [
      'queue_retention',
      'batchLimit',
      retention,
      [0, 100_001],
      [1, 100_000],
      'batchLimit must be 1..100000',
    ],
  ];

  it.each(cases)(
    '%s refuses %s out of range',
    async (name, variable, valid, bad, good, sentence) => {
      for (const value of bad) {
        const res = await callQuery(server.baseUrl, name, { ...valid, [variable]: value });
        expect({ value, status: res.status }).toEqual({ value, status: 400 });
        const shown = typeof value === 'string' ? String(value.length) : String(value);
        expect(res.body.errors).toEqual([
          { error: `${sentence}, got ${shown}`, details: { code: '22P02', variable } },
        ]);
      }
      for (const value of good) {
        const res = await callQuery(server.baseUrl, name, { ...valid, [variable]: value });
        expect({ value, status: res.status, body: res.body }).toEqual({
          value,
          status: 200,
          body: expect.objectContaining({ data: expect.any(Array) }),
        });
      }
    },
  );

  it('a refused claim changes nothing, and fails even when there is nothing to claim', async () => {
    await callQuery(server.baseUrl, 'queue_push', { messages: messages('refused', ['m1']) });
    const res = await callQuery(server.baseUrl, 'queue_claim', {
      ...claim,
      dst: 'refused',
      leaseMs: 50,
    });
    expect(res.status).toBe(400);
    const rows = await h.t.db.query(
      "SELECT lease_owner, attempts FROM queue_item WHERE dst = 'refused'",
    );
    expect(rows.rows).toEqual([{ lease_owner: null, attempts: 0 }]);
    const empty = await callQuery(server.baseUrl, 'queue_claim', {
      ...claim,
      dst: 'empty',
      limit: 0,
    });
    expect(empty.status).toBe(400);
  });

  it('a long poll with a value out of range fails at once, even after a claim that drained', async () => {
    // A claim that gets fewer messages than its limit leaves a drain hint for the destination
    // (drain-hints.ts); the bad claim right after it must still run the query, and fail.
    await callQuery(server.baseUrl, 'queue_push', { messages: messages('drained', ['only']) });
    await new Promise((r) => setTimeout(r, 200));
    const good = await callQuery(
      server.baseUrl,
      'queue_claim',
      { ...claim, dst: 'drained' },
      { waitSeconds: 1 },
    );
    expect(good.body.data).toHaveLength(1);
    const startedAt = Date.now();
    const bad = await callQuery(
      server.baseUrl,
      'queue_claim',
      { ...claim, dst: 'drained', leaseMs: 5 },
      { waitSeconds: 5 },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors![0]!.error).toBe('leaseMs must be 100..600000, got 5');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });
});

/**
 * Data errors (SQLSTATE class 22) are the caller's fault: 400, never 500, with a message that
 * says what was wrong. The roles never send such values (shared/src/storable.ts); a client of
 * the data API that does must learn why.
 */
describe('values PostgreSQL cannot store', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    h = await openTestApp('data_errors');
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  const push = (text: string) => callQuery(server.baseUrl, 'queue_push', { messages: text });

  it.each<[string, () => ReturnType<typeof push>, string, RegExp]>([
    [
      'a NUL character in a String variable',
      () => callQuery(server.baseUrl, 'durable_load', { owner: 'a\u0000b' }),
      '22021',
      /invalid byte sequence for encoding "UTF8": 0x00/,
    ],
    [
      'an escaped NUL inside JSON text',
      () => push(JSON.stringify([{ id: 'n', dst: 'd', payload: 'a\u0000b' }])),
      '22P05',
      /unsupported Unicode escape sequence: \\u0000 cannot be converted to text/,
    ],
    [
      'an escaped lone surrogate inside JSON text',
      () => push(JSON.stringify([{ id: 's', dst: 'd', payload: '\ud800' }])),
      '22P02',
      /invalid input syntax for type json: .*surrogate/i,
    ],
    [
      'a destination longer than its column',
      () => push(messages('d'.repeat(200), ['long'])),
      '22001',
      /value too long for type character varying\(128\)/,
    ],
  ])('%s is a 400 that says so', async (_case, send, code, message) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ error: expect.stringMatching(message), details: { code } }]);
    expect((await h.t.db.query('SELECT 1 FROM queue_item')).rowCount).toBe(0);
  });
});
