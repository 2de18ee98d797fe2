import {
  LIMITS,
  applyPersist,
  bodyBytesOfJsonText,
  jsonBytes,
  parseMessage,
  sentOf,
  type Ballot,
  type Batch,
  type ClientCommand,
  type DurableEntry,
  type Message,
  type P1b,
  type PValue,
} from '@paxos/shared';
import { acceptorRole, type AcceptorState } from '@paxos/acceptor';
import { p1bPages } from '../src/role/p1b-pages';

const ballot = (round: number, leaderId = 'leader-0'): Ballot => ({ round, leaderId });
const small = (slot: number, b = ballot(1)): PValue => ({
  ballot: b,
  slot,
  value: { batchId: `b${slot}`, commands: [] },
});

/**
 * A batch whose JSON is just under LIMITS.batchJsonBytesMax: two puts whose values are made of
 * `fill` (one character; quotes and control characters cost more as JSON than they look), under
 * a batch id at its longest.
 */
function largeBatch(slot: number, fill: string): Batch {
  const command = (requestId: number, value: string): ClientCommand => ({
    sessionId: 1,
    requestId,
    op: { kind: 'put', key: 'k'.repeat(LIMITS.keyCharsMax), value },
  });
  const batchId = `${slot}:`.padEnd(256, 'x');
  const empty: Batch = { batchId, commands: [command(1, ''), command(2, '')] };
  const valueBytesEach = Math.floor((LIMITS.batchJsonBytesMax - jsonBytes(empty)) / 2);
  const perChar = jsonBytes(fill) - 2;
  const value = fill.repeat(Math.floor(valueBytesEach / perChar));
  const batch: Batch = { batchId, commands: [command(1, value), command(2, value)] };
  const bytes = jsonBytes(batch);
  if (bytes > LIMITS.batchJsonBytesMax || bytes < LIMITS.batchJsonBytesMax - 64) {
    throw new Error(`largeBatch(${JSON.stringify(fill)}) is ${bytes} bytes`);
  }
  return batch;
}
const large = (slot: number, fill = 'a'): PValue => ({
  ballot: ballot(7, 'leader-1'),
  slot,
  value: largeBatch(slot, fill),
});
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/** The laws every paged reply keeps, whatever it holds. */
function expectWellPaged(pages: P1b[], accepted: readonly PValue[], collectedBelow: number): void {
  expect(pages.length).toBeGreaterThanOrEqual(1);
  expect(pages.flatMap((p) => p.accepted)).toEqual(accepted);
  let from = collectedBelow;
  for (const [k, page] of pages.entries()) {
    expect(page).toMatchObject({ type: 'p1b', from: 'acceptor-0', collectedBelow });
    expect(page.coversFrom).toBe(from);
    const last = k === pages.length - 1;
    if (last) expect(page.coversBefore).toBeNull();
    else expect(page.coversBefore).toBe(pages[k + 1]!.accepted[0]!.slot);
    for (const p of page.accepted) {
      expect(p.slot).toBeGreaterThanOrEqual(from);
      if (page.coversBefore !== null) expect(p.slot).toBeLessThan(page.coversBefore);
    }
    // A page holds at least one pvalue (only a reply with none has an empty page), and more
    // than one only while their JSON stays within the page bound.
    if (accepted.length > 0) expect(page.accepted.length).toBeGreaterThanOrEqual(1);
    if (page.accepted.length > 1) {
      expect(jsonBytes(page.accepted)).toBeLessThanOrEqual(LIMITS.p1bPageJsonBytesMax);
    }
    expect(jsonBytes(page)).toBeLessThanOrEqual(LIMITS.messageJsonBytesMax);
    // Sent alone in a step commit, it fits the data API's body, escapes and all.
    expect(bodyBytesOfJsonText(JSON.stringify(page))).toBeLessThan(LIMITS.commitBodyBytesMax);
    // What the data API hands back parses as the same page.
    expect(parseMessage(JSON.parse(JSON.stringify(page)))).toEqual({ ok: true, message: page });
    from = page.coversBefore ?? from;
  }
}

describe('p1bPages', () => {
  // [name, collectedBelow, accepted, pages expected]
  const cases: Array<[string, number, PValue[], number]> = [
    ['nothing accepted: one empty page covering everything', 1, [], 1],
    ['nothing above a horizon: one empty page from the horizon', 40, [], 1],
    ['a few small pvalues: one page', 1, [small(1), small(2), small(5)], 1],
    ['small pvalues above a horizon: one page from the horizon', 10, [small(12), small(30)], 1],
    ['thousands of small pvalues: several pages', 1, range(1, 3000).map((s) => small(s)), 3],
    ['one batch near its limit: one page', 1, [large(3)], 1],
    ['batches near their limit: one per page', 5, range(5, 12).map((s) => large(s)), 12],
    ['escape-heavy batches: one per page', 1, range(1, 4).map((s) => large(s, '"')), 4],
    ['control characters: one per page', 1, range(1, 3).map((s) => large(s, '\u0001')), 3],
    ['multi-byte characters: one per page', 1, range(1, 3).map((s) => large(s, 'é')), 3],
    ['emoji: one per page', 1, range(1, 3).map((s) => large(s, '😀')), 3],
    [
      'large and small mixed, with gaps between slots',
      2,
      [small(2), small(3), large(9), small(10), large(20), small(21), small(40)],
      5,
    ],
  ];
  it.each(cases)('%s', (_name, collectedBelow, accepted, pageCount) => {
    const pages = p1bPages('acceptor-0', ballot(7, 'leader-1'), collectedBelow, accepted);
    expectWellPaged(pages, accepted, collectedBelow);
    expect(pages).toHaveLength(pageCount);
  });

  it('fills a page to its bound and no further', () => {
    const accepted = range(1, 10).map((s) => small(s));
    const each = jsonBytes(accepted[0]!);
    // Room for exactly three pvalues: "[" + 3 pvalues + 2 commas + "]".
    const pages = p1bPages('acceptor-0', ballot(1), 1, accepted, 2 + 3 * each + 2);
    expect(pages.map((p) => p.accepted.length)).toEqual([3, 3, 3, 1]);
    expect(pages.map((p) => [p.coversFrom, p.coversBefore])).toEqual([
      [1, 4],
      [4, 7],
      [7, 10],
      [10, null],
    ]);
  });

  it('refuses pvalues out of slot order or below the horizon (its intervals would lie)', () => {
    expect(() => p1bPages('acceptor-0', ballot(1), 1, [small(2), small(1)])).toThrow(/sorted/);
    expect(() => p1bPages('acceptor-0', ballot(1), 5, [small(4)])).toThrow(/sorted/);
  });
});

describe('acceptor onP1a pages its reply', () => {
  /** An acceptor that accepted `count` batches near their limit at ballot 7.leader-1. */
  function withLargeAccepted(count: number) {
    let durable = new Map<string, DurableEntry>();
    let state: AcceptorState = acceptorRole.recover({ id: 'acceptor-0' }, durable, 0).state;
    const step = (message: Message) => {
      const result = acceptorRole.step(state, message, 0);
      state = result.state;
      durable = applyPersist(durable, result.persist);
      return result;
    };
    step({ type: 'p1a', from: 'leader-1', ballot: ballot(7, 'leader-1') });
    for (const slot of range(1, count)) {
      step({ type: 'p2a', from: 'leader-1', pvalue: large(slot) });
    }
    return { step, durable: () => durable };
  }

  it('sends every page to the scout, after persisting the promise in the same step', () => {
    const { step, durable } = withLargeAccepted(30);
    const result = step({ type: 'p1a', from: 'leader-0', ballot: ballot(8) });
    expect(result.persist).toEqual([{ op: 'put', key: 'ballot', slot: null, value: ballot(8) }]);
    const pages = sentOf(result, 'p1b');
    expect(result.send).toHaveLength(pages.length);
    expect(pages.every((e) => e.to === 'leader-0')).toBe(true);
    expect(pages).toHaveLength(30);
    const recovered = acceptorRole.recover({ id: 'acceptor-0' }, durable(), 0).state;
    expect(pages.every((e) => e.message.ballot.round === 8)).toBe(true);
    expectWellPaged(
      pages.map((e) => e.message),
      [...recovered.accepted.values()].sort((a, b) => a.slot - b.slot),
      1,
    );
    expect(result.state.counters.p1bPagesExtra).toBe(29);
  });

  it('a refused p1a gets the whole reply too: it carries the promise its sender may hold now', () => {
    const { step } = withLargeAccepted(5);
    const pages = sentOf(
      step({ type: 'p1a', from: 'leader-1', ballot: ballot(2, 'leader-1') }),
      'p1b',
    );
    expect(pages.map((e) => e.message.ballot)).toEqual(
      range(1, 5).map(() => ballot(7, 'leader-1')),
    );
    expect(pages.flatMap((e) => e.message.accepted.map((p) => p.slot))).toEqual(range(1, 5));
    expect(pages.at(-1)?.message.coversBefore).toBeNull();
  });
});
