import { waitingRequests } from '../src/app';
import { DrainHints } from '../src/custom/drain-hints';
import type { Database } from '../src/db/database';
import { callQuery, listen, messages, openTestApp, type TestApp } from './support/app-harness';

describe('DrainHints', () => {
  let clock = 0;
  const hints = () => new DrainHints(() => clock, 1_000);
  beforeEach(() => (clock = 10_000));

  it('says drained when no notification came since, and only once', () => {
    const h = hints();
    h.note('t', '0:4');
    expect(h.take('t', '0:4')).toBe(true);
    expect(h.take('t', '0:4')).toBe(false);
  });

  it('does not say drained after a notification came in', () => {
    const h = hints();
    h.note('t', '0:4');
    expect(h.take('t', '0:5')).toBe(false);
    // Used up by the failed take too: the next one asks the database.
    expect(h.take('t', '0:4')).toBe(false);
  });

  it('does not say drained once the listening connection changed', () => {
    const h = hints();
    h.note('t', '0:4');
    expect(h.take('t', '1:4')).toBe(false);
  });

  it('forgets a hint older than its lifetime', () => {
    const h = hints();
    h.note('t', '0:0');
    clock += 1_001;
    expect(h.take('t', '0:0')).toBe(false);
  });

  it('keeps topics apart', () => {
    const h = hints();
    h.note('a', '0:0');
    expect(h.take('b', '0:0')).toBe(false);
    expect(h.take('a', '0:0')).toBe(true);
  });
});

/**
 * The real server over a database that counts claim statements: after a claim that got fewer
 * messages than its limit, the next long poll waits without querying, and a push still wakes it.
 */
describe('long poll after a claim that drained its destination', () => {
  let h: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  let claimStatements = 0;

  beforeAll(async () => {
    h = await openTestApp('drain_hints', { db: (t) => countingClaims(t.db) });
    server = await listen(h.app);
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  function countingClaims(db: Database): Database {
    return {
      kind: db.kind,
      query: (sql, params) => db.query(sql, params),
      queryPrepared: (sql, params) => {
        if (sql.includes('candidates')) claimStatements++;
        return db.queryPrepared(sql, params);
      },
      transaction: (fn) => db.transaction(fn),
      exec: (sql) => db.exec(sql),
      listen: (channel, onNotify) => db.listen(channel, onNotify),
      get listenerGeneration() {
        return db.listenerGeneration;
      },
      // The harness drops the test database itself.
      close: async () => undefined,
    };
  }

  const claim = (dst: string, waitSeconds: number) =>
    callQuery<{ element_identifier: string }>(
      server.baseUrl,
      'queue_claim',
      { dst, owner: 'consumer#1', limit: 5, leaseMs: 30_000 },
      { waitSeconds },
    );
  const push = (dst: string, ids: string[]) =>
    callQuery(server.baseUrl, 'queue_push', { messages: messages(dst, ids) });
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(condition()).toBe(true);
  };
  const ids = (res: { body: { data?: { element_identifier: string }[] } }) =>
    res.body.data!.map((m) => m.element_identifier);

  it('skips the first query of the next claim, and a push still wakes it', async () => {
    await push('hinted', ['a', 'b']);
    // Let the push's notification arrive first, so the hint below is not spoiled by it.
    await new Promise((r) => setTimeout(r, 200));
    const before = claimStatements;
    expect(ids(await claim('hinted', 5))).toEqual(['a', 'b']);
    expect(claimStatements).toBe(before + 1);

    const waiting = claim('hinted', 5);
    await until(() => waitingRequests(h.app) === 1);
    expect(claimStatements).toBe(before + 1);

    await push('hinted', ['c']);
    expect(ids(await waiting)).toEqual(['c']);
    expect(claimStatements).toBe(before + 2);
  });

  it('does not hide a message pushed between the two claims', async () => {
    await push('between', ['early']);
    expect(ids(await claim('between', 5))).toEqual(['early']);
    await push('between', ['late']);
    const startedAt = Date.now();
    expect(ids(await claim('between', 5))).toEqual(['late']);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('uses a hint once: after a wait that timed out, the claim asks the database', async () => {
    await push('quiet', ['only']);
    await new Promise((r) => setTimeout(r, 200));
    expect(ids(await claim('quiet', 1))).toEqual(['only']);
    const before = claimStatements;
    expect(ids(await claim('quiet', 1))).toEqual([]);
    expect(claimStatements).toBe(before);
    expect(ids(await claim('quiet', 1))).toEqual([]);
    expect(claimStatements).toBeGreaterThan(before);
  });

  it('a full claim leaves no hint: the next one queries at once', async () => {
    await push('full', ['1', '2', '3', '4', '5', '6']);
    await new Promise((r) => setTimeout(r, 200));
    expect(ids(await claim('full', 5))).toHaveLength(5);
    const before = claimStatements;
    expect(ids(await claim('full', 5))).toEqual(['6']);
    expect(claimStatements).toBe(before + 1);
  });
});
