import {
  applyPersist,
  type Ballot,
  type DurableEntry,
  type Message,
  type P1b,
  type P2b,
  type PValue,
  type StepResult,
} from '@paxos/shared';
import { acceptorRole, promiseOf, type AcceptorState } from '@paxos/acceptor';

const config = { id: 'acceptor-0' };
const ballot = (round: number, leaderId = 'leader-0'): Ballot => ({ round, leaderId });
const pvalue = (b: Ballot, slot: number, batchId = `b${slot}`): PValue => ({
  ballot: b,
  slot,
  value: { batchId, commands: [] },
});
const p1a = (b: Ballot): Message => ({ type: 'p1a', from: b.leaderId, ballot: b });
const p2a = (pv: PValue): Message => ({ type: 'p2a', from: pv.ballot.leaderId, pvalue: pv });
const collect = (belowSlot: number, from = 'leader-0'): Message => ({
  type: 'collect',
  from,
  belowSlot,
});
/** Promise ballot 1, then accept slots 1..n at it. */
const acceptSlots = (n: number): Message[] => [
  p1a(ballot(1)),
  ...Array.from({ length: n }, (_, i) => p2a(pvalue(ballot(1), i + 1))),
];

/** Runs messages through an acceptor, keeping its durable map as a runner would. */
function run(messages: Message[], durable = new Map<string, DurableEntry>()) {
  let state: AcceptorState = acceptorRole.recover(config, durable, 0).state;
  let last: StepResult<AcceptorState> = { state, persist: [], send: [] };
  for (const message of messages) {
    last = acceptorRole.step(state, message, 0);
    state = last.state;
    durable = applyPersist(durable, last.persist);
  }
  return { state, durable, last };
}

const acceptedSlotsIn = (durable: ReadonlyMap<string, DurableEntry>): number[] =>
  [...durable.keys()]
    .filter((k) => k.startsWith('accepted:'))
    .map((k) => Number(k.slice('accepted:'.length)))
    .sort((a, b) => a - b);

describe('acceptor onCollect', () => {
  // [name, messages before, collect below, collectedBelow after, slots kept, persisted?, note]
  const cases: Array<[string, Message[], number, number, number[], boolean, RegExp]> = [
    [
      'a higher horizon drops pvalues below it, durably',
      acceptSlots(5),
      4,
      4,
      [4, 5],
      true,
      /collected below 4: dropped 3/,
    ],
    [
      'a horizon above everything accepted drops it all',
      acceptSlots(3),
      10,
      10,
      [],
      true,
      /dropped 3/,
    ],
    [
      'a duplicate collect is ignored',
      [...acceptSlots(5), collect(4)],
      4,
      4,
      [4, 5],
      false,
      /already collected below 4/,
    ],
    [
      'a lower collect (overtaken by a later one) is ignored',
      [...acceptSlots(5), collect(4)],
      2,
      4,
      [4, 5],
      false,
      /collect below 2 .*already collected below 4/,
    ],
    ['collect below 1 collects nothing', acceptSlots(2), 1, 1, [1, 2], false, /already/],
  ];
  it.each(cases)('%s', (_name, before, below, collectedBelow, kept, persisted, note) => {
    const { state, durable, last } = run([...before, collect(below)]);
    expect(state.collectedBelow).toBe(collectedBelow);
    expect([...state.accepted.keys()].sort((a, b) => a - b)).toEqual(kept);
    expect(acceptedSlotsIn(durable)).toEqual(kept);
    expect(last.send).toEqual([]);
    expect(last.notes?.join()).toMatch(note);
    expect(last.persist).toEqual(
      persisted
        ? [
            { op: 'put', key: 'collectedBelow', slot: null, value: collectedBelow },
            { op: 'truncate', belowSlot: collectedBelow },
          ]
        : [],
    );
    expect(state.counters.collectsIgnored).toBe(persisted ? 0 : 1);
  });

  it('after collection a p1b carries only what is above the horizon, and the horizon', () => {
    const before = run([...acceptSlots(500), p1a(ballot(2))]).last;
    const { last } = run([...acceptSlots(500), collect(495), p1a(ballot(2))]);
    const p1b = last.send[0]!.message as P1b;
    expect(p1b.collectedBelow).toBe(495);
    expect(p1b.accepted.map((p) => p.slot)).toEqual([495, 496, 497, 498, 499, 500]);
    // The reply no longer grows with the length of the log.
    const size = JSON.stringify(p1b).length;
    expect(size).toBeLessThan(1_000);
    expect(JSON.stringify(before.send[0]!.message).length).toBeGreaterThan(50 * size);
  });

  // [name, p2a slot, accepted?, collectedBelow in the reply]
  const p2as: Array<[string, number, boolean, number | undefined]> = [
    ['below the horizon: refused, the reply carries it', 3, false, 4],
    ['at the horizon: accepted as usual', 4, true, undefined],
  ];
  it.each(p2as)('p2a %s', (_name, slot, accepted, replyCollected) => {
    const { state, last } = run([p1a(ballot(1)), collect(4), p2a(pvalue(ballot(1), slot))]);
    const reply = last.send[0]!.message as P2b;
    expect(reply).toEqual({
      type: 'p2b',
      from: 'acceptor-0',
      ballot: ballot(1),
      slot,
      ...(replyCollected === undefined ? {} : { collectedBelow: replyCollected }),
    });
    expect(state.accepted.has(slot)).toBe(accepted);
    expect(last.persist.length).toBe(accepted ? 1 : 0);
    if (!accepted) expect(last.notes?.join()).toMatch(/below collectedBelow 4/);
  });
});

describe('acceptor garbage collection survives a restart', () => {
  it('a restarted acceptor keeps collectedBelow and only the pvalues above it', () => {
    const { state, durable } = run([...acceptSlots(6), collect(5), p1a(ballot(3))]);
    const restarted = run([p1a(ballot(4))], durable);
    expect(restarted.state.collectedBelow).toBe(5);
    expect(restarted.state.accepted).toEqual(state.accepted);
    expect(promiseOf(restarted.state, 0)).toEqual(ballot(4));
    const p1b = restarted.last.send[0]!.message as P1b;
    expect(p1b.collectedBelow).toBe(5);
    expect(p1b.accepted.map((p) => p.slot)).toEqual([5, 6]);
  });

  it('ignores durable pvalues below the horizon that a lazy truncate left behind', () => {
    const durable = new Map<string, DurableEntry>([
      ['ballot', { slot: null, value: ballot(1) }],
      ['collectedBelow', { slot: null, value: 3 }],
      ['accepted:2', { slot: 2, value: pvalue(ballot(1), 2) }],
      ['accepted:3', { slot: 3, value: pvalue(ballot(1), 3) }],
    ]);
    const recovered = acceptorRole.recover(config, durable, 0);
    expect([...recovered.state.accepted.keys()]).toEqual([3]);
    expect(recovered.notes).toEqual(['ignored 1 durable pvalue(s) below 3']);
  });

  it('rejects a durable horizon that is not a slot', () => {
    const durable = new Map<string, DurableEntry>([['collectedBelow', { slot: null, value: 0 }]]);
    expect(() => acceptorRole.recover(config, durable, 0)).toThrow();
  });
});
