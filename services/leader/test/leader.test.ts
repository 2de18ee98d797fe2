import {
  CorruptStateError,
  StepCollector,
  defaultCluster,
  type DurableEntry,
  type Message,
} from '@paxos/shared';
import { describeLeader, leaderRole, type LeaderCounters } from '@paxos/leader';
import { preempted } from '../src/role/preempted';
import {
  LeaderHarness,
  ballot,
  batch,
  heartbeat,
  leaderConfig,
  p1b,
  p2b,
  propose,
  pvalue,
  sentOf,
} from './support/harness';

const durableBallot = (round: number, leaderId = 'leader-0') =>
  new Map<string, DurableEntry>([['ballot', { slot: null, value: ballot(round, leaderId) }]]);

describe('leader start', () => {
  const cases: Array<[string, string, Map<string, DurableEntry>, number, number, number]> = [
    ['a fresh leader-0 scouts at once', 'leader-0', new Map(), 3, 0, 100],
    [
      'a fresh leader-1 waits leaderTimeoutMs (+ stagger) for a heartbeat',
      'leader-1',
      new Map(),
      0,
      0,
      250,
    ],
    [
      'a restarted leader resumes one round above its durable ballot, and waits',
      'leader-0',
      durableBallot(4),
      0,
      5,
      200,
    ],
  ];
  it.each(cases)('%s', (_name, id, durable, p1as, round, deadline) => {
    const leader = new LeaderHarness(leaderConfig({ id }), durable);
    expect(sentOf(leader.last, 'p1a')).toHaveLength(p1as);
    expect(leader.state.ballot).toEqual(ballot(round, id));
    expect(leaderRole.nextDeadline(leader.state)).toBe(deadline);
  });

  it('persists the ballot in the same step as the p1a that uses it', () => {
    const leader = new LeaderHarness();
    expect(leader.last.persist).toEqual([
      { op: 'put', key: 'ballot', slot: null, value: ballot(0) },
    ]);
    expect(sentOf(leader.last, 'p1a').map((e) => [e.to, e.message.ballot])).toEqual([
      ['acceptor-0', ballot(0)],
      ['acceptor-1', ballot(0)],
      ['acceptor-2', ballot(0)],
    ]);
  });

  it('a waiting leader scouts when its timer fires', () => {
    const leader = new LeaderHarness(leaderConfig({ id: 'leader-1' }));
    expect(leader.tick(249).send).toEqual([]);
    const result = leader.tick(250);
    expect(sentOf(result, 'p1a')).toHaveLength(3);
    expect(result.persist).toEqual([
      { op: 'put', key: 'ballot', slot: null, value: ballot(0, 'leader-1') },
    ]);
  });

  it('refuses a durable ballot that belongs to another leader', () => {
    expect(() => new LeaderHarness(leaderConfig(), durableBallot(1, 'leader-1'))).toThrow(
      /another/,
    );
  });

  it('refuses a configuration it cannot run', () => {
    expect(() => new LeaderHarness(leaderConfig({ heartbeatMs: 0 }))).toThrow(/heartbeatMs/);
    expect(() => new LeaderHarness(leaderConfig({ id: 'leader-7' }))).toThrow(/not in the cluster/);
  });
});

describe('scout onP1b', () => {
  it('a majority of p1bs for its ballot adopts it: active, commanders, heartbeat', () => {
    const leader = new LeaderHarness();
    leader.step(propose(1, 'a'));
    expect(sentOf(leader.last, 'p2a')).toEqual([]);
    leader.step(p1b('acceptor-0', ballot(0)));
    expect(leader.state.active).toBe(false);
    const result = leader.step(p1b('acceptor-2', ballot(0)));
    expect(leader.state.active).toBe(true);
    expect(leader.state.scout).toBeNull();
    expect(sentOf(result, 'p2a').map((e) => [e.to, e.message.pvalue])).toEqual(
      ['acceptor-0', 'acceptor-1', 'acceptor-2'].map((a) => [a, pvalue(ballot(0), 1, 'a')]),
    );
    expect(sentOf(result, 'heartbeat')).toEqual([
      {
        to: 'leader-1',
        message: { type: 'heartbeat', from: 'leader-0', ballot: ballot(0), active: true },
      },
    ]);
  });

  const ignored: Array<[string, Message[], Message, keyof LeaderCounters, RegExp]> = [
    [
      'duplicate p1b from an acceptor already counted (pitfall 2)',
      [p1b('acceptor-0', ballot(0))],
      p1b('acceptor-0', ballot(0)),
      'duplicatesIgnored',
      /duplicate p1b/,
    ],
    [
      'p1b for a lower ballot (an older p1a)',
      [],
      p1b('acceptor-1', ballot(-1, '')),
      'staleIgnored',
      /no scout at that ballot/,
    ],
    [
      'p1b from a process that is not an acceptor',
      [],
      p1b('leader-1', ballot(0)),
      'unexpectedIgnored',
      /not an acceptor/,
    ],
  ];
  it.each(ignored)('ignores a %s', (_name, before, message, counter, note) => {
    const leader = new LeaderHarness();
    leader.steps(...before);
    const result = leader.step(message);
    expect(result.send).toEqual([]);
    expect(result.notes?.join()).toMatch(note);
    expect(leader.state).toMatchObject({ active: false, ballot: ballot(0) });
    expect(leader.state.scout?.waitingFor.size).toBe(3 - before.length);
    expect(leader.state.counters[counter]).toBe(1);
    expect(leader.state.counters.preemptions).toBe(0);
  });

  it('adopts pmax: the highest-ballot accepted value per slot replaces its own proposals', () => {
    const leader = new LeaderHarness(leaderConfig(), durableBallot(4));
    leader.steps(propose(1, 'mine'), propose(3, 'c'));
    leader.tick(200);
    const result = leader.steps(
      p1b('acceptor-0', ballot(5), [
        pvalue(ballot(2, 'leader-1'), 1, 'old'),
        pvalue(ballot(3, 'leader-1'), 2, 'b'),
      ]),
      p1b('acceptor-1', ballot(5), [pvalue(ballot(3), 1, 'new')]),
    );
    expect(leader.state.active).toBe(true);
    const p2as = sentOf(result, 'p2a').filter((e) => e.to === 'acceptor-0');
    expect(p2as.map((e) => [e.message.pvalue.slot, e.message.pvalue.value.batchId])).toEqual([
      [1, 'new'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(p2as.every((e) => e.message.pvalue.ballot.round === 5)).toBe(true);
  });

  it('two values accepted at one (ballot, slot) is a broken invariant (A4)', () => {
    const leader = new LeaderHarness(leaderConfig(), durableBallot(4));
    leader.tick(200);
    leader.step(p1b('acceptor-0', ballot(5), [pvalue(ballot(3, 'leader-1'), 1, 'x')]));
    expect(() =>
      leader.step(p1b('acceptor-1', ballot(5), [pvalue(ballot(3, 'leader-1'), 1, 'y')])),
    ).toThrow(/A4/);
  });
});

describe('commander onP2b', () => {
  it('slot 1 is the first slot a commander decides; a majority decides it for every replica', () => {
    const leader = LeaderHarness.active();
    const started = leader.step(propose(1, 'a'));
    expect(sentOf(started, 'p2a')).toHaveLength(3);
    leader.step(p2b('acceptor-2', ballot(0), 1));
    const result = leader.step(p2b('acceptor-0', ballot(0), 1));
    expect(sentOf(result, 'decision')).toEqual(
      ['replica-0', 'replica-1'].map((to) => ({
        to,
        message: { type: 'decision', from: 'leader-0', slot: 1, value: batch('a') },
      })),
    );
    expect(leader.state.decided.get(1)).toEqual(batch('a'));
    expect(leader.state.commanders.size).toBe(0);
    expect(leader.state.counters.decisions).toBe(1);
  });

  it('with replicas learning from the acceptors, a decision is kept but not announced', () => {
    const leader = LeaderHarness.active({ replicasLearnFromAcceptors: true });
    leader.steps(propose(1, 'a'), p2b('acceptor-2', ballot(0), 1));
    const result = leader.step(p2b('acceptor-0', ballot(0), 1));
    expect(result.send).toEqual([]);
    expect(leader.state.decided.get(1)).toEqual(batch('a'));
    expect(leader.state.commanders.size).toBe(0);
    // A replica that asks still gets it.
    const asked = leader.step({ type: 'progress', from: 'replica-1', slotOut: 1 });
    expect(sentOf(asked, 'decision').map((e) => [e.to, e.message.slot])).toEqual([
      ['replica-1', 1],
    ]);
  });

  it('a duplicate p2b from an acceptor already counted is ignored, not preemption (pitfall 2)', () => {
    const leader = LeaderHarness.active();
    leader.step(propose(1, 'a'));
    leader.step(p2b('acceptor-0', ballot(0), 1));
    const result = leader.step(p2b('acceptor-0', ballot(0), 1));
    expect(result.send).toEqual([]);
    expect(result.notes).toEqual(['duplicate p2b slot 1 from acceptor-0']);
    expect(leader.state.active).toBe(true);
    expect(leader.state.decided.size).toBe(0);
    expect(leader.state.counters).toMatchObject({ duplicatesIgnored: 1, preemptions: 0 });
  });

  it('a p2b after the slot is decided is stale', () => {
    const leader = LeaderHarness.active();
    leader.steps(propose(1, 'a'), p2b('acceptor-0', ballot(0), 1), p2b('acceptor-1', ballot(0), 1));
    const result = leader.step(p2b('acceptor-2', ballot(0), 1));
    expect(result.send).toEqual([]);
    expect(leader.state.counters.staleIgnored).toBe(1);
  });

  it('a p2b below its ballot (the acceptor missed our p1a) gets a p1a, then the p2a again', () => {
    const leader = LeaderHarness.active();
    leader.step(propose(1, 'a'));
    const result = leader.step(p2b('acceptor-2', ballot(-1, ''), 1));
    expect(result.send.map((e) => [e.to, e.message.type])).toEqual([
      ['acceptor-2', 'p1a'],
      ['acceptor-2', 'p2a'],
    ]);
    expect(leader.state.active).toBe(true);
  });
});

describe('preemption', () => {
  const preempting: Array<[string, (leader: LeaderHarness) => Message]> = [
    ['p1b with a higher ballot while scouting', () => p1b('acceptor-0', ballot(2, 'leader-1'))],
    [
      'p2b with a higher ballot while active',
      (leader) => {
        leader.steps(p1b('acceptor-0', ballot(0)), p1b('acceptor-1', ballot(0)), propose(1, 'a'));
        return p2b('acceptor-0', ballot(2, 'leader-1'), 1);
      },
    ],
    [
      'heartbeat with a higher ballot while active',
      (leader) => {
        leader.steps(p1b('acceptor-0', ballot(0)), p1b('acceptor-1', ballot(0)), propose(1, 'a'));
        return heartbeat('leader-1', ballot(2, 'leader-1'));
      },
    ],
  ];
  it.each(preempting)(
    '%s: passive, next ballot above it, waits before scouting',
    (_name, setup) => {
      const leader = new LeaderHarness();
      const message = setup(leader);
      leader.now = 10;
      const result = leader.step(message);
      expect(result.send).toEqual([]);
      expect(leader.state).toMatchObject({
        active: false,
        scout: null,
        ballot: ballot(3),
        backoffMs: 50,
        scoutDueAt: 10 + 200 + 50,
        watch: { leaderId: 'leader-1', ballot: ballot(2, 'leader-1'), lastHeardAt: 10 },
      });
      expect(leader.state.commanders.size).toBe(0);
      expect(leader.state.counters.preemptions).toBe(1);
      expect(leaderRole.nextDeadline(leader.state)).toBe(260);
    },
  );

  const stale: Array<[string, Message]> = [
    ['p2b at its own ballot for a slot it already decided', p2b('acceptor-2', ballot(0), 1)],
    ['p1b at its own ballot after adoption', p1b('acceptor-2', ballot(0))],
    ['heartbeat from a leader with a lower ballot', heartbeat('leader-1', ballot(-1, 'leader-1'))],
    [
      'heartbeat from a leader at the same round, lower id',
      heartbeat('leader-1', ballot(0, 'leader-0')),
    ],
  ];
  it.each(stale)(
    'stale preempted: %s leaves the active leader alone (pitfall 1)',
    (_name, message) => {
      const leader = LeaderHarness.active();
      leader.steps(
        propose(1, 'a'),
        p2b('acceptor-0', ballot(0), 1),
        p2b('acceptor-1', ballot(0), 1),
      );
      const result = leader.step(message);
      expect(result.send).toEqual([]);
      expect(leader.state).toMatchObject({ active: true, ballot: ballot(0) });
      expect(leader.state.counters.preemptions).toBe(0);
    },
  );

  const staleBallots: Array<[string, boolean, number, string]> = [
    ['equal to its ballot, while active', true, 0, 'leader-0'],
    ['below its ballot, while active', true, -1, 'leader-1'],
    ['equal to its ballot, while scouting', false, 0, 'leader-0'],
    ['below its ballot, while scouting', false, -1, 'leader-1'],
  ];
  it.each(staleBallots)(
    'stale preempted: a ballot %s changes nothing (pitfall 1)',
    (_name, active, round, leaderId) => {
      const leader = active ? LeaderHarness.active() : new LeaderHarness();
      const out = new StepCollector(leader.state);
      preempted(leader.state, ballot(round, leaderId), 10, out);
      expect(leader.state.active).toBe(active);
      expect(leader.state.scout === null).toBe(active);
      expect(leader.state.ballot).toEqual(ballot(0));
      expect(leader.state.counters).toMatchObject({ preemptions: 0, staleIgnored: 1 });
      expect(out.notes.join()).toMatch(/not above 0.leader-0/);
    },
  );

  it('back-off doubles on each preemption up to backoffMaxMs and resets on adoption', () => {
    const leader = new LeaderHarness(leaderConfig({ id: 'leader-1' }));
    const seen: number[] = [];
    for (let round = 1; round <= 5; round += 1) {
      leader.tick(leader.state.scoutDueAt ?? 0);
      expect(leader.state.scout).not.toBeNull();
      leader.step(p1b('acceptor-0', ballot(leader.state.ballot.round + 1, 'leader-2')));
      seen.push(leader.state.backoffMs);
    }
    expect(seen).toEqual([50, 100, 200, 400, 400]);
    leader.tick(leader.state.scoutDueAt ?? 0);
    const { round } = leader.state.ballot;
    leader.steps(
      p1b('acceptor-0', ballot(round, 'leader-1')),
      p1b('acceptor-1', ballot(round, 'leader-1')),
    );
    expect(leader.state).toMatchObject({ active: true, backoffMs: 0 });
  });

  it("a passive leader treats the watched leader's heartbeat as a sign of life", () => {
    const leader = new LeaderHarness(leaderConfig({ id: 'leader-1' }));
    expect(leader.state.scoutDueAt).toBe(250);
    leader.now = 100;
    leader.step(heartbeat('leader-0', ballot(0)));
    // Watching leader-0, leader-1 is first of the others: no stagger, 100 + timeout 200.
    expect(leader.state.scoutDueAt).toBe(300);
    expect(leader.state.watch.leaderId).toBe('leader-0');
    leader.now = 150;
    const passive = leader.step(heartbeat('leader-0', ballot(0), false));
    expect(passive.notes?.join()).toMatch(/passive/);
    expect(leader.state.scoutDueAt).toBe(300);
  });

  it('when the active leader dies, the first of the others takes over first, the next one beat later', () => {
    const three = defaultCluster(3, 3, 2);
    const one = new LeaderHarness(leaderConfig({ id: 'leader-1', cluster: three }));
    const two = new LeaderHarness(leaderConfig({ id: 'leader-2', cluster: three }));
    // At start nobody is watched: leader-0 first, then one heartbeat (50) per leader ahead.
    expect([one.state.scoutDueAt, two.state.scoutDueAt]).toEqual([250, 300]);
    for (const l of [one, two]) {
      l.now = 100;
      l.step(heartbeat('leader-0', ballot(0)));
    }
    // leader-0 silent since 100: leader-1 after the timeout alone, leader-2 one beat later.
    expect([one.state.scoutDueAt, two.state.scoutDueAt]).toEqual([300, 350]);
  });

  describe('a passive leader that was itself stalled', () => {
    // leaderConfig: heartbeat 50, timeout 200, so the stall slack is 100.
    const watching = () => {
      const leader = new LeaderHarness(leaderConfig({ id: 'leader-1' }));
      leader.now = 100;
      leader.step(heartbeat('leader-0', ballot(0)));
      expect(leader.state.scoutDueAt).toBe(300);
      return leader;
    };

    it('scouts when its timer is late by less than the slack (a loaded machine)', () => {
      const leader = watching();
      leader.tick(390);
      expect(sentOf(leader.last, 'p1a')).toHaveLength(3);
    });

    it('does not depose the leader it watches after its own stall; a queued heartbeat then keeps it passive', () => {
      const leader = watching();
      const late = leader.tick(1_000); // paused, or its steps waited on the data API
      expect(sentOf(late, 'p1a')).toEqual([]);
      expect(late.notes?.join()).toMatch(/itself was stalled/);
      expect(leader.state.scoutDueAt).toBe(1_200);
      leader.now = 1_010;
      leader.step(heartbeat('leader-0', ballot(0)));
      expect(leader.state.scoutDueAt).toBe(1_210);
      expect(leader.state.scout).toBeNull();
    });

    it('still takes over, one timeout later, when the watched leader is dead', () => {
      const leader = watching();
      leader.tick(1_000);
      const scouting = leader.tick(1_200);
      expect(sentOf(scouting, 'p1a')).toHaveLength(3);
    });

    it('forgives one late timer only: on a starved machine, the next late one scouts', () => {
      const leader = watching();
      expect(sentOf(leader.tick(1_000), 'p1a')).toEqual([]);
      expect(sentOf(leader.tick(1_900), 'p1a')).toHaveLength(3); // 700 late: no second pardon
    });

    it('forgives again once the watched leader was heard in between', () => {
      const leader = watching();
      leader.tick(1_000);
      leader.now = 1_050;
      leader.step(heartbeat('leader-0', ballot(0)));
      expect(sentOf(leader.tick(2_000), 'p1a')).toEqual([]);
    });
  });

  it('seeing its own ballot above the one it uses means lost durable state', () => {
    const leader = new LeaderHarness();
    expect(() => leader.step(p1b('acceptor-0', ballot(3)))).toThrow(/durable state was lost/);
  });
});

describe('leader onPropose and onProgress', () => {
  it('answers a proposal for a decided slot with its decision, to the proposer only', () => {
    const leader = LeaderHarness.active();
    leader.steps(propose(1, 'a'), p2b('acceptor-0', ballot(0), 1), p2b('acceptor-1', ballot(0), 1));
    const result = leader.step(propose(1, 'late', 'replica-1'));
    expect(result.send).toEqual([
      {
        to: 'replica-1',
        message: { type: 'decision', from: 'leader-0', slot: 1, value: batch('a') },
      },
    ]);
  });

  it('keeps the first proposal per slot', () => {
    const leader = LeaderHarness.active();
    leader.step(propose(1, 'a'));
    const result = leader.step(propose(1, 'b', 'replica-1'));
    expect(result.send).toEqual([]);
    expect(leader.state.proposals.get(1)).toEqual(batch('a'));
  });

  it('answers a progress report with the decisions at and above its slotOut', () => {
    const leader = LeaderHarness.active();
    for (const slot of [1, 2, 3]) {
      leader.steps(
        propose(slot, `s${slot}`),
        p2b('acceptor-0', ballot(0), slot),
        p2b('acceptor-1', ballot(0), slot),
      );
    }
    const result = leader.step({ type: 'progress', from: 'replica-1', slotOut: 2 });
    expect(sentOf(result, 'decision').map((e) => [e.to, e.message.slot])).toEqual([
      ['replica-1', 2],
      ['replica-1', 3],
    ]);
  });
});

describe('leader timers', () => {
  it('a scout re-sends p1a to silent acceptors, backing off (a lost p1a/p1b never wedges it)', () => {
    const leader = new LeaderHarness();
    leader.step(p1b('acceptor-1', ballot(0)));
    expect(leader.tick(99).send).toEqual([]);
    expect(leader.tick(100).send.map((e) => e.to)).toEqual(['acceptor-0', 'acceptor-2']);
    // Each reply may be every page of an acceptor's pvalues: the next round waits twice as long.
    expect(leaderRole.nextDeadline(leader.state)).toBe(300);
    leader.step(p1b('acceptor-2', ballot(0)));
    expect(leader.state.active).toBe(true);
  });

  it('a commander re-sends p2a to silent acceptors every retransmitMs (a lost p2a/p2b never wedges it)', () => {
    const leader = LeaderHarness.active({ heartbeatMs: 1000 });
    leader.steps(propose(1, 'a'), p2b('acceptor-0', ballot(0), 1));
    const result = leader.tick(100);
    expect(sentOf(result, 'p2a').map((e) => e.to)).toEqual(['acceptor-1', 'acceptor-2']);
  });

  it('an active leader heartbeats every heartbeatMs; nextDeadline is the earliest timer', () => {
    const leader = LeaderHarness.active();
    expect(leaderRole.nextDeadline(leader.state)).toBe(50);
    leader.now = 20;
    leader.step(propose(1, 'a'));
    expect(leaderRole.nextDeadline(leader.state)).toBe(50);
    expect(sentOf(leader.tick(50), 'heartbeat').map((e) => e.to)).toEqual(['leader-1']);
    expect(leaderRole.nextDeadline(leader.state)).toBe(100);
    expect(sentOf(leader.tick(100), 'heartbeat')).toHaveLength(1);
    expect(leaderRole.nextDeadline(leader.state)).toBe(120);
  });
});

describe('leader recover and misc', () => {
  it('restarts above the highest ballot it ever used', () => {
    const leader = new LeaderHarness(leaderConfig({ id: 'leader-1' }));
    leader.step(p1b('acceptor-0', ballot(6, 'leader-0')));
    leader.tick(leader.state.scoutDueAt ?? 0);
    expect(leader.state.scout?.ballot).toEqual(ballot(7, 'leader-1'));
    const restarted = new LeaderHarness(leader.config, leader.durable, leader.now);
    expect(restarted.state.ballot).toEqual(ballot(8, 'leader-1'));
    expect(restarted.state.active).toBe(false);
  });

  const othersMessages: Array<[string, Message]> = [
    ['preempted', { type: 'preempted', from: 'leader-0', ballot: ballot(9, 'leader-1') }],
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
    ['p1a', { type: 'p1a', from: 'leader-1', ballot: ballot(9, 'leader-1') }],
  ];
  it.each(othersMessages)('ignores a %s (not its message) with a note', (type, message) => {
    const leader = LeaderHarness.active();
    const result = leader.step(message);
    expect(result.notes).toEqual([`leader ignores ${type} from ${message.from}`]);
    expect(result.send).toEqual([]);
    expect(result.persist).toEqual([]);
    expect(leader.state).toMatchObject({ active: true, ballot: ballot(0) });
    expect(leader.state.counters.unexpectedIgnored).toBe(1);
  });

  // [name, the ballot row's value, the field named]
  const corrupt: Array<[string, unknown, RegExp]> = [
    ['a string where the round belongs', { round: '4', leaderId: 'leader-0' }, /^round: .*number/i],
    ['no leader id', { round: 4 }, /^leaderId: /],
    ['not a ballot at all', 'ballot 4', /^\(value\): /],
    ["another leader's ballot", ballot(4, 'leader-1'), /^leaderId: .*another leader/],
  ];
  it.each(corrupt)('refuses to start on a corrupt ballot row: %s', (_name, value, field) => {
    const durable = new Map<string, DurableEntry>([['ballot', { slot: null, value }]]);
    let thrown: unknown;
    try {
      leaderRole.recover(leaderConfig(), durable, 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CorruptStateError);
    expect((thrown as CorruptStateError).key).toBe('ballot');
    expect((thrown as CorruptStateError).message).toContain('durable state row "ballot"');
    expect((thrown as CorruptStateError).problem).toMatch(field);
  });

  it('reads back the ballot row it writes, through JSON as the data API returns it', () => {
    const leader = new LeaderHarness();
    const reread = new Map(
      JSON.parse(JSON.stringify([...leader.durable])) as Array<[string, DurableEntry]>,
    );
    expect(leaderRole.recover(leaderConfig(), reread, 0).state.ballot).toEqual(ballot(1));
  });

  it('describes itself as JSON', () => {
    const leader = LeaderHarness.active();
    expect(JSON.parse(JSON.stringify(describeLeader(leader.state)))).toMatchObject({
      role: 'leader',
      id: 'leader-0',
      ballot: '0.leader-0',
      active: true,
      scout: null,
      counters: { adoptions: 1 },
    });
  });
});

describe('events for the operator log', () => {
  it('scouting, becoming active and being preempted are events; a stale preemption is not', () => {
    const leader = new LeaderHarness();
    const scouting = leader.state.scout ? leader.last : leader.tick(leader.state.scoutDueAt ?? 0);
    expect(scouting.events).toEqual(['scouting with ballot 0.leader-0']);
    expect(leader.step(p1b('acceptor-0', ballot(0))).events).toBeUndefined();
    expect(leader.step(p1b('acceptor-1', ballot(0))).events).toEqual([
      'active with ballot 0.leader-0',
    ]);

    const stale = new StepCollector(leader.state);
    preempted(leader.state, ballot(0, 'leader-0'), 10, stale);
    expect(stale.result().events).toBeUndefined();

    const out = new StepCollector(leader.state);
    preempted(leader.state, ballot(1, 'leader-1'), 10, out);
    expect(out.result().events).toEqual([
      `passive: preempted by ballot 1.leader-1 (back-off ${leader.state.config.heartbeatMs} ms)`,
    ]);
  });
});
