import {
  BOTTOM_BALLOT,
  CorruptStateError,
  applyPersist,
  ballotEquals,
  sentOf,
  type Ballot,
  type DurableEntry,
  type Message,
  type P1b,
  type P2b,
  type PValue,
  type StepResult,
} from '@paxos/shared';
import { acceptorRole, describeAcceptor, promiseOf, type AcceptorState } from '@paxos/acceptor';

const config = { id: 'acceptor-0' };
const ballot = (round: number, leaderId = 'leader-0'): Ballot => ({ round, leaderId });
const batch = (batchId: string) => ({ batchId, commands: [] });
const pvalue = (b: Ballot, slot: number, batchId: string): PValue => ({
  ballot: b,
  slot,
  value: batch(batchId),
});
const p1a = (b: Ballot, from = b.leaderId): Message => ({ type: 'p1a', from, ballot: b });
const p2a = (pv: PValue, from = pv.ballot.leaderId): Message => ({ type: 'p2a', from, pvalue: pv });
const collect = (belowSlot: number, from = 'leader-0'): Message => ({
  type: 'collect',
  from,
  belowSlot,
});

/** Runs messages through a fresh acceptor, keeping its durable map as a runner would. */
function run(messages: Message[]) {
  let durable = new Map<string, DurableEntry>();
  const first = acceptorRole.recover(config, durable, 0);
  let state: AcceptorState = first.state;
  let last: StepResult<AcceptorState> = first;
  for (const message of messages) {
    last = acceptorRole.step(state, message, 0);
    state = last.state;
    durable = applyPersist(durable, last.persist);
  }
  return { state, durable, last };
}

const onlyReply = <T extends Message>(result: StepResult<AcceptorState>): T => {
  expect(result.send).toHaveLength(1);
  return result.send[0]!.message as T;
};

describe('acceptor onP1a', () => {
  const cases: Array<[string, Message[], Ballot, Ballot, boolean]> = [
    ['first p1a is above bottom: adopted', [], ballot(0), ballot(0), true],
    ['higher round: adopted', [p1a(ballot(1))], ballot(2), ballot(2), true],
    [
      'higher leader id, same round: adopted',
      [p1a(ballot(1))],
      ballot(1, 'leader-1'),
      ballot(1, 'leader-1'),
      true,
    ],
    ['duplicate p1a: re-replied, nothing persisted', [p1a(ballot(1))], ballot(1), ballot(1), false],
    [
      'lower ballot: refused, reply carries the promise',
      [p1a(ballot(3))],
      ballot(2),
      ballot(3),
      false,
    ],
  ];
  it.each(cases)('%s', (_name, before, incoming, promised, persisted) => {
    const { last, state } = run([...before, p1a(incoming)]);
    const reply = onlyReply<P1b>(last);
    expect(last.send[0]!.to).toBe(incoming.leaderId);
    expect(reply).toMatchObject({ type: 'p1b', from: 'acceptor-0', ballot: promised });
    expect(promiseOf(state, 0)).toEqual(promised);
    expect(last.persist).toEqual(
      persisted ? [{ op: 'put', key: 'ballot', slot: null, value: promised }] : [],
    );
    if (!persisted) expect(last.notes?.length).toBeGreaterThan(0);
  });

  it('p1b carries the highest-ballot pvalue per slot, in slot order (state reduction)', () => {
    const { last } = run([
      p1a(ballot(1)),
      p2a(pvalue(ballot(1), 2, 'x')),
      p2a(pvalue(ballot(1), 1, 'y')),
      p1a(ballot(2)),
      p2a(pvalue(ballot(2), 2, 'z')),
      p1a(ballot(3)),
    ]);
    expect(onlyReply<P1b>(last).accepted).toEqual([
      pvalue(ballot(1), 1, 'y'),
      pvalue(ballot(2), 2, 'z'),
    ]);
  });
});

describe('acceptor onP2a', () => {
  const promised = [p1a(ballot(2))];
  const cases: Array<[string, Message[], PValue, boolean, boolean]> = [
    ['ballot equal to the promise: accepted', promised, pvalue(ballot(2), 1, 'a'), true, true],
    [
      'lower ballot than the promise: refused (A2)',
      promised,
      pvalue(ballot(1), 1, 'a'),
      false,
      false,
    ],
    [
      'higher ballot than the promise: refused (A2)',
      promised,
      pvalue(ballot(3), 1, 'a'),
      false,
      false,
    ],
    ['before any promise: refused', [], pvalue(ballot(0), 1, 'a'), false, false],
    [
      'duplicate p2a: re-acknowledged, nothing persisted',
      [...promised, p2a(pvalue(ballot(2), 1, 'a'))],
      pvalue(ballot(2), 1, 'a'),
      true,
      false,
    ],
  ];
  it.each(cases)('%s', (_name, before, incoming, accepted, persisted) => {
    const { last, state } = run([...before, p2a(incoming)]);
    const reply = onlyReply<P2b>(last);
    expect(reply).toEqual({
      type: 'p2b',
      from: 'acceptor-0',
      ballot: promiseOf(state, 0),
      slot: incoming.slot,
    });
    expect(state.accepted.get(incoming.slot)).toEqual(accepted ? incoming : undefined);
    expect(last.persist).toEqual(
      persisted ? [{ op: 'put', key: 'accepted:1', slot: 1, value: incoming }] : [],
    );
  });

  it('tells every learner of an acceptance, new or re-acknowledged, and of nothing refused', () => {
    const learners = ['replica-0', 'replica-1'];
    let state = acceptorRole.recover({ id: 'acceptor-0', learners }, new Map(), 0).state;
    const toLearners = (message: Message) => {
      const result = acceptorRole.step(state, message, 0);
      state = result.state;
      return result.send.filter((e) => e.message.type === 'accepted');
    };
    const accepted = pvalue(ballot(2), 1, 'a');
    toLearners(p1a(ballot(2)));
    const expected = learners.map((to) => ({
      to,
      message: { type: 'accepted', from: 'acceptor-0', pvalue: accepted },
    }));
    expect(toLearners(p2a(accepted))).toEqual(expected);
    expect(toLearners(p2a(accepted))).toEqual(expected);
    expect(toLearners(p2a(pvalue(ballot(1), 2, 'old')))).toEqual([]);
    // Without learners (PMMC), only the leader hears of it.
    const plain = run([p1a(ballot(2)), p2a(accepted)]);
    expect(plain.last.send.map((e) => e.message.type)).toEqual(['p2b']);
  });

  it('a higher ballot replaces the pvalue of the same slot', () => {
    const { state } = run([
      p1a(ballot(1)),
      p2a(pvalue(ballot(1), 1, 'old')),
      p1a(ballot(2)),
      p2a(pvalue(ballot(2), 1, 'new')),
    ]);
    expect([...state.accepted.values()]).toEqual([pvalue(ballot(2), 1, 'new')]);
  });

  it('two values for one (ballot, slot) is a broken invariant (A4)', () => {
    expect(() =>
      run([p1a(ballot(1)), p2a(pvalue(ballot(1), 1, 'a')), p2a(pvalue(ballot(1), 1, 'b'))]),
    ).toThrow(/A4/);
  });
});

describe('acceptor persists before it replies', () => {
  it('every p1b/p2b is accompanied by the persist of the state it announces', () => {
    const script: Message[] = [
      p1a(ballot(0)),
      p2a(pvalue(ballot(0), 1, 'a')),
      p1a(ballot(1, 'leader-1')),
      p2a(pvalue(ballot(0), 2, 'stale')),
      p2a(pvalue(ballot(1, 'leader-1'), 2, 'b')),
      p1a(ballot(0)),
      p2a(pvalue(ballot(1, 'leader-1'), 2, 'b')),
      p2a(pvalue(ballot(5), 3, 'unpromised')),
      collect(2),
      p1a(ballot(2, 'leader-1')),
      p2a(pvalue(ballot(1, 'leader-1'), 1, 'collected')),
    ];
    let durable = new Map<string, DurableEntry>();
    let { state } = acceptorRole.recover(config, durable, 0);
    for (const message of script) {
      const result = acceptorRole.step(state, message, 0);
      state = result.state;
      // Only what this step persisted (plus earlier steps) may back its replies.
      durable = applyPersist(durable, result.persist);
      const recovered = acceptorRole.recover(config, durable, 0).state;
      // A p1b may come in pages: together they announce the whole accepted set.
      const pages = sentOf(result, 'p1b').map((e) => e.message);
      if (pages.length > 0) {
        expect([...recovered.accepted.values()].sort((a, b) => a.slot - b.slot)).toEqual(
          pages.flatMap((p) => p.accepted),
        );
      }
      for (const { message: reply } of result.send) {
        if (reply.type === 'p1b') {
          expect(promiseOf(recovered, 0)).toEqual(reply.ballot);
          expect(recovered.collectedBelow).toBe(reply.collectedBelow);
        }
        if (reply.type === 'p2b') {
          expect(promiseOf(recovered, 0)).toEqual(reply.ballot);
          if (message.type === 'p2a' && ballotEquals(message.pvalue.ballot, reply.ballot)) {
            expect(recovered.accepted.get(reply.slot)).toEqual(message.pvalue);
          }
        }
      }
    }
  });
});

describe('acceptor recover', () => {
  it('restores the promise and accepted pvalues from durable state', () => {
    const { state, durable } = run([
      p1a(ballot(1)),
      p2a(pvalue(ballot(1), 1, 'a')),
      p2a(pvalue(ballot(1), 7, 'b')),
      p1a(ballot(4, 'leader-1')),
    ]);
    const recovered = acceptorRole.recover(config, durable, 99).state;
    expect(promiseOf(recovered, 0)).toEqual(promiseOf(state, 0));
    expect(recovered.accepted).toEqual(state.accepted);
    expect(durable.get('accepted:7')?.slot).toBe(7);
  });

  it('starts at bottom with nothing accepted when nothing was persisted', () => {
    const { state } = acceptorRole.recover(config, new Map(), 0);
    expect(promiseOf(state, 0)).toEqual(BOTTOM_BALLOT);
    expect(state.accepted.size).toBe(0);
  });

  // [name, rows, the row named, the field named]
  const corrupt: Array<[string, Array<[string, DurableEntry]>, string, RegExp]> = [
    [
      'a string where the round belongs',
      [['ballot', { slot: null, value: { round: '3', leaderId: 'leader-0' } }]],
      'ballot',
      /round: .*number/i,
    ],
    [
      'no ballot at all in the ballot row',
      [['ballot', { slot: null, value: null }]],
      'ballot',
      /\(value\)/,
    ],
    [
      'a horizon that is not a slot',
      [['collectedBelow', { slot: null, value: 'seven' }]],
      'collectedBelow',
      /\(value\)/,
    ],
    [
      "an accepted pvalue without its value's batch id",
      [
        ['ballot', { slot: null, value: ballot(1) }],
        ['accepted:2', { slot: 2, value: { ballot: ballot(1), slot: 2, value: { commands: [] } } }],
      ],
      'accepted:2',
      /value\.batchId/,
    ],
    [
      'an accepted pvalue tagged with another slot',
      [
        ['ballot', { slot: null, value: ballot(1) }],
        ['accepted:2', { slot: 3, value: pvalue(ballot(0), 2, 'a') }],
      ],
      'accepted:2',
      /slot: .*tagged slot 3/,
    ],
    [
      "an accepted pvalue under another slot's key",
      [
        ['ballot', { slot: null, value: ballot(1) }],
        ['accepted:5', { slot: 2, value: pvalue(ballot(0), 2, 'a') }],
      ],
      'accepted:5',
      /slot: holds slot 2/,
    ],
    [
      'an accepted ballot above the promise (A2)',
      [
        ['ballot', { slot: null, value: ballot(1) }],
        ['accepted:2', { slot: 2, value: pvalue(ballot(4), 2, 'a') }],
      ],
      'accepted:2',
      /ballot: accepted at 4\.leader-0, above the promise 1\.leader-0/,
    ],
  ];
  it.each(corrupt)('refuses to start on a corrupt row: %s', (_name, rows, key, field) => {
    const durable = new Map(rows);
    let thrown: unknown;
    try {
      acceptorRole.recover(config, durable, 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CorruptStateError);
    const error = thrown as CorruptStateError;
    expect(error.key).toBe(key);
    expect(error.message).toContain(`"${key}"`);
    expect(error.problem).toMatch(field);
  });

  it('reads back every row it writes, whatever the values hold', () => {
    const { durable, state } = run([
      p1a(ballot(1, 'leader-1')),
      p2a(pvalue(ballot(1, 'leader-1'), 3, 'x')),
      collect(2),
    ]);
    // Through JSON, as rows come back from the data API.
    const reread = new Map(
      JSON.parse(JSON.stringify([...durable])) as Array<[string, DurableEntry]>,
    );
    const recovered = acceptorRole.recover(config, reread, 0).state;
    expect(promiseOf(recovered, 0)).toEqual(promiseOf(state, 0));
    expect(recovered.collectedBelow).toBe(2);
    expect(recovered.accepted).toEqual(state.accepted);
  });
});

describe('acceptor misc', () => {
  const othersMessages: Array<[string, Message]> = [
    ['decision', { type: 'decision', from: 'leader-0', slot: 1, value: batch('a') }],
    [
      'response',
      {
        type: 'response',
        from: 'replica-0',
        sessionId: 1,
        requestId: 1,
        slot: 1,
        result: { ok: true, value: null },
        opDigest: 'd',
      },
    ],
    ['withdraw', { type: 'withdraw', from: 'replica-0', sessionId: 1, requestId: 1 }],
  ];
  it.each(othersMessages)('ignores a %s (not its message) with a note', (type, message) => {
    const { last, state } = run([p1a(ballot(1)), message]);
    expect(last.send).toEqual([]);
    expect(last.persist).toEqual([]);
    expect(last.notes).toEqual([`acceptor ignores ${type} from ${message.from}`]);
    expect(state.counters.unexpectedIgnored).toBe(1);
    expect(promiseOf(state, 0)).toEqual(ballot(1));
  });

  it('has no timers', () => {
    const { state } = run([p1a(ballot(0))]);
    expect(acceptorRole.nextDeadline(state)).toBeNull();
    expect(acceptorRole.tick(state, 1000).send).toEqual([]);
  });

  it('describes itself as JSON', () => {
    const { state } = run([p1a(ballot(1)), p2a(pvalue(ballot(1), 4, 'a'))]);
    expect(JSON.parse(JSON.stringify(describeAcceptor(state)))).toMatchObject({
      role: 'acceptor',
      id: 'acceptor-0',
      ballot: '1.leader-0',
      acceptedSlots: 1,
      collectedBelow: 1,
      highestAcceptedSlot: 4,
      counters: { promises: 1, accepts: 1 },
    });
  });
});

describe('acceptor onReadProbe (docs/reads.md)', () => {
  const probe = (from = 'replica-0'): Message => ({ type: 'read-probe', from, probeId: 'p1' });
  const cases: Array<[string, Message[], number]> = [
    ['nothing accepted: 0', [], 0],
    [
      'the highest slot accepted',
      [p1a(ballot(1)), p2a(pvalue(ballot(1), 3, 'b3')), p2a(pvalue(ballot(1), 1, 'b1'))],
      3,
    ],
    ['a refused p2a does not count', [p1a(ballot(2)), p2a(pvalue(ballot(1), 5, 'b5'))], 0],
    [
      'collected slots still count: it never decreases',
      [p1a(ballot(1)), p2a(pvalue(ballot(1), 4, 'b4')), collect(5)],
      4,
    ],
    ['collected beyond anything accepted here', [collect(9)], 8],
  ];
  it.each(cases)('%s', (_name, before, expected) => {
    const { state } = run(before);
    const result = acceptorRole.step(state, probe(), 0);
    expect(result.persist).toEqual([]);
    expect(result.send).toEqual([
      {
        to: 'replica-0',
        message: {
          type: 'read-probe-reply',
          from: 'acceptor-0',
          probeId: 'p1',
          acceptedThrough: expected,
        },
      },
    ]);
  });
});
