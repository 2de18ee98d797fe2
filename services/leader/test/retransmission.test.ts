import { leaderRole, type LeaderConfig } from '@paxos/leader';
import { bodyBytesOfJsonText, type Batch, type Envelope, type Message } from '@paxos/shared';
import { LeaderHarness, ballot, leaderConfig, p1b, p2b, propose, sentOf } from './support/harness';

/** A batch of one put whose value is `valueChars` long: a p2a of about that many bytes. */
function sizedBatch(batchId: string, valueChars: number): Batch {
  const op = { kind: 'put' as const, key: batchId, value: 'v'.repeat(valueChars) };
  return { batchId, commands: [{ sessionId: 1, requestId: 1, op }] };
}

const proposeSized = (slot: number, valueChars: number): Message => ({
  type: 'propose',
  from: 'replica-0',
  slot,
  value: sizedBatch(`s${slot}`, valueChars),
});

/** What the p2as of one tick cost in step-commit body bytes, as the shell measures them. */
const p2aBodyBytesOf = (send: Envelope[]): number =>
  send
    .filter((e) => e.message.type === 'p2a')
    .reduce((sum, e) => sum + bodyBytesOfJsonText(JSON.stringify(e.message)), 0);

/** Ticks at every deadline up to `until`; returns when p2as went out and to whom. */
function p2aRounds(leader: LeaderHarness, until: number): Array<[number, string[]]> {
  const rounds: Array<[number, string[]]> = [];
  for (;;) {
    const at = leaderRole.nextDeadline(leader.state);
    if (at === null || at > until) return rounds;
    const sent = sentOf(leader.tick(at), 'p2a').map((e) => e.to);
    if (sent.length > 0) rounds.push([at, sent]);
  }
}

describe('retransmission backs off', () => {
  const silent = ['acceptor-1', 'acceptor-2'];
  // [name, config, the times of the p2a rounds up to 3,200 ms]
  const cases: Array<[string, Partial<LeaderConfig>, number[]]> = [
    ['doubling up to the default cap of 8x retransmitMs', {}, [100, 300, 700, 1500, 2300, 3100]],
    [
      'doubling up to retransmitMsMax',
      { retransmitMsMax: 300 },
      [100, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000],
    ],
    [
      'at a steady retransmitMs when retransmitMsMax equals it',
      { retransmitMs: 400, retransmitMsMax: 400 },
      [400, 800, 1200, 1600, 2000, 2400, 2800, 3200],
    ],
  ];
  it.each(cases)('a commander re-sends to its silent acceptors, %s', (_name, config, times) => {
    const leader = LeaderHarness.active({ heartbeatMs: 100_000, ...config });
    leader.steps(propose(1, 'a'), p2b('acceptor-0', ballot(0), 1));
    expect(p2aRounds(leader, 3_200)).toEqual(times.map((at) => [at, silent]));
  });

  it('keeps backing off after one acceptor answers; a new commander starts at retransmitMs', () => {
    const leader = LeaderHarness.active({ heartbeatMs: 100_000 });
    leader.step(propose(1, 'a'));
    expect(p2aRounds(leader, 300)).toEqual([
      [100, ['acceptor-0', 'acceptor-1', 'acceptor-2']],
      [300, ['acceptor-0', 'acceptor-1', 'acceptor-2']],
    ]);
    // A late p2b from acceptor-0 says nothing about the other two: still 4x for them.
    leader.now = 350;
    leader.steps(p2b('acceptor-0', ballot(0), 1), propose(2, 'b'));
    expect(p2aRounds(leader, 700)).toEqual([
      [450, ['acceptor-0', 'acceptor-1', 'acceptor-2']],
      [650, ['acceptor-0', 'acceptor-1', 'acceptor-2']],
      [700, ['acceptor-1', 'acceptor-2']],
    ]);
    expect(leader.state.commanders.get(2)?.retransmits).toBe(2);
    // A lost p2b does not wedge the slot: the answer to a later round decides it.
    leader.step(p2b('acceptor-2', ballot(0), 1));
    expect(leader.state.decided.has(1)).toBe(true);
  });

  it('a thrifty commander asks its spares first, then backs off from retransmitMs', () => {
    const leader = LeaderHarness.active({ heartbeatMs: 100_000, spareAfterMs: 30 });
    leader.steps(propose(1, 'a'), p2b('acceptor-1', ballot(0), 1));
    expect(p2aRounds(leader, 800)).toEqual([
      [30, ['acceptor-2']],
      [130, ['acceptor-0', 'acceptor-2']],
      [330, ['acceptor-0', 'acceptor-2']],
      [730, ['acceptor-0', 'acceptor-2']],
    ]);
    expect(leader.state.counters.sparesAsked).toBe(1);
    expect(leader.state.counters.retransmits).toBe(6);
  });

  it('a scout re-asks its silent acceptors at retransmitMs, 2x, 4x ... up to the cap', () => {
    const leader = new LeaderHarness(leaderConfig({ retransmitMsMax: 400 }));
    leader.step(p1b('acceptor-1', ballot(0)));
    const rounds: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const at = leaderRole.nextDeadline(leader.state)!;
      expect(sentOf(leader.tick(at), 'p1a').map((e) => e.to)).toEqual(['acceptor-0', 'acceptor-2']);
      rounds.push(at);
    }
    expect(rounds).toEqual([100, 300, 700, 1100, 1500]);
  });
});

describe('retransmission has a byte budget per tick', () => {
  /** Active; five commanders of ~20 KB p2as, proposed out of slot order, none answered. */
  function loaded(budgetCommanders: number): { leader: LeaderHarness; roundBytes: number } {
    const probe = LeaderHarness.active({ heartbeatMs: 100_000 });
    const roundBytes = p2aBodyBytesOf(probe.step(proposeSized(1, 20_000)).send);
    const leader = LeaderHarness.active({
      heartbeatMs: 100_000,
      retransmitTickBytesMax: Math.floor(budgetCommanders * roundBytes),
    });
    for (const slot of [5, 3, 1, 4, 2]) leader.step(proposeSized(slot, 20_000));
    return { leader, roundBytes };
  }

  it('sends the lowest slots first, keeps the rest due, and finishes them in the next ticks', () => {
    const { leader, roundBytes } = loaded(2.5);
    const budget = leader.state.config.retransmitTickBytesMax;
    expect(budget).toBeLessThan(5 * roundBytes);
    const ticks: number[][] = [];
    for (let i = 0; i < 4 && leaderRole.nextDeadline(leader.state) === 100; i += 1) {
      const sent = leader.tick(100).send;
      expect(p2aBodyBytesOf(sent)).toBeLessThanOrEqual(budget);
      ticks.push([...new Set(sentOf({ send: sent }, 'p2a').map((e) => e.message.pvalue.slot))]);
    }
    expect(ticks).toEqual([[1, 2], [3, 4], [5]]);
    // Slots 3-5 waited one tick, slot 5 two: four commanders put off in all.
    expect(leader.state.counters.retransmitsDeferred).toBe(4);
    expect(leader.state.counters.retransmits).toBe(15);
    // Each commander's next round is 2x retransmitMs after its own round.
    expect(leaderRole.nextDeadline(leader.state)).toBe(300);
  });

  it('lets the first due commander go even when its round alone is over the budget', () => {
    const { leader, roundBytes } = loaded(0.5);
    expect(roundBytes).toBeGreaterThan(leader.state.config.retransmitTickBytesMax);
    const slots: number[] = [];
    while (leaderRole.nextDeadline(leader.state) === 100) {
      const sent = sentOf(leader.tick(100), 'p2a');
      expect(sent).toHaveLength(3);
      slots.push(sent[0]!.message.pvalue.slot);
    }
    expect(slots).toEqual([1, 2, 3, 4, 5]);
  });

  it('does not count a commander decided meanwhile', () => {
    const { leader } = loaded(2.5);
    leader.tick(100);
    leader.steps(p2b('acceptor-0', ballot(0), 3), p2b('acceptor-1', ballot(0), 3));
    const next = sentOf(leader.tick(100), 'p2a').map((e) => e.message.pvalue.slot);
    expect([...new Set(next)]).toEqual([4, 5]);
  });
});

describe('retransmission settings', () => {
  it.each<[string, Partial<LeaderConfig>, RegExp]>([
    ['a cap below retransmitMs', { retransmitMsMax: 50 }, /retransmitMsMax \(50\).*retransmitMs/],
    ['a cap that is not whole', { retransmitMsMax: 150.5 }, /retransmitMsMax/],
    ['no budget', { retransmitTickBytesMax: 0 }, /retransmitTickBytesMax/],
  ])('refuses %s, naming the field', (_name, config, message) => {
    expect(() => new LeaderHarness(leaderConfig(config))).toThrow(message);
  });

  it('fills in the cap (8x retransmitMs) and the budget (two step commits) once', () => {
    const { config } = new LeaderHarness(leaderConfig({ retransmitMs: 70 })).state;
    expect(config.retransmitMsMax).toBe(560);
    expect(config.retransmitTickBytesMax).toBe(2 * 960 * 1024);
  });
});
