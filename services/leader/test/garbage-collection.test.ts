import { StepCollector, type DurableEntry, type Message, type PValue } from '@paxos/shared';
import { describeLeader } from '@paxos/leader';
import { startCommander } from '../src/role/commander';
import {
  LeaderHarness,
  ballot,
  batch,
  leaderConfig,
  p2b,
  propose,
  pvalue,
  sentOf,
} from './support/harness';

const progress = (from: string, slotOut: number): Message => ({ type: 'progress', from, slotOut });
const p1bCollected = (
  from: string,
  round: number,
  collectedBelow: number,
  accepted: PValue[] = [],
): Message => ({
  type: 'p1b',
  from,
  ballot: ballot(round),
  accepted,
  collectedBelow,
  coversBefore: null,
});

/** An active leader that decided slots 1..n (each accepted by acceptors 0 and 1). */
function decidedUpTo(n: number): LeaderHarness {
  const leader = LeaderHarness.active();
  for (let slot = 1; slot <= n; slot += 1) {
    leader.steps(
      propose(slot, `s${slot}`),
      p2b('acceptor-0', ballot(0), slot),
      p2b('acceptor-1', ballot(0), slot),
    );
  }
  return leader;
}

const collectsOf = (leader: LeaderHarness) =>
  sentOf(leader.last, 'collect').map((e) => [e.to, e.message.belowSlot]);
const toAllAcceptors = (belowSlot: number) =>
  ['acceptor-0', 'acceptor-1', 'acceptor-2'].map((to) => [to, belowSlot]);

describe('leader garbage-collection horizon from progress reports', () => {
  // [name, reports in order, horizon after, collect sent by the last report (null: none)]
  const cases: Array<[string, Message[], number, number | null]> = [
    ['one replica alone does not make a horizon', [progress('replica-0', 5)], 1, null],
    ['the minimum over all replicas', [progress('replica-0', 5), progress('replica-1', 3)], 3, 3],
    [
      'the leading replica advancing further changes nothing',
      [progress('replica-0', 5), progress('replica-1', 3), progress('replica-0', 9)],
      3,
      null,
    ],
    [
      'the lagging replica catching up raises it',
      [progress('replica-0', 5), progress('replica-1', 3), progress('replica-1', 7)],
      5,
      5,
    ],
    [
      'an older report arriving late never lowers it',
      [progress('replica-0', 5), progress('replica-1', 4), progress('replica-0', 2)],
      4,
      null,
    ],
    [
      'a report from a process that is not a replica is ignored',
      [progress('replica-0', 5), progress('leader-1', 9)],
      1,
      null,
    ],
  ];
  it.each(cases)('%s', (_name, reports, horizon, collected) => {
    const leader = LeaderHarness.active();
    leader.steps(...reports);
    expect(leader.state.collectedBelow).toBe(horizon);
    expect(collectsOf(leader)).toEqual(collected === null ? [] : toAllAcceptors(collected));
  });

  it('drops decisions, proposals and commanders below the horizon, keeps the rest', () => {
    const leader = decidedUpTo(3);
    leader.steps(propose(4, 's4'), propose(5, 's5'));
    leader.steps(progress('replica-0', 5), progress('replica-1', 5));
    expect([...leader.state.decided.keys()]).toEqual([]);
    expect([...leader.state.proposals.keys()]).toEqual([5]);
    expect([...leader.state.commanders.keys()]).toEqual([5]);
    expect(leader.state.counters.horizonAdvances).toBe(1);
    // The commander at 5 still decides; the dropped one at 4 no longer retransmits.
    const retransmit = leader.tick(100);
    expect(sentOf(retransmit, 'p2a').map((e) => e.message.pvalue.slot)).toEqual([5, 5, 5]);
  });

  it('a passive leader drops its state too but leaves the acceptors to the active one', () => {
    const leader = new LeaderHarness(leaderConfig({ id: 'leader-1' }));
    leader.steps(propose(1, 'a'), propose(2, 'b'), propose(3, 'c'));
    leader.steps(progress('replica-0', 3), progress('replica-1', 3));
    expect(leader.state.active).toBe(false);
    expect(leader.state.collectedBelow).toBe(3);
    expect([...leader.state.proposals.keys()]).toEqual([3]);
    expect(collectsOf(leader)).toEqual([]);
  });

  // [name, wantsDecisions, decisions re-sent]
  const resend: Array<[string, boolean | undefined, number[]]> = [
    ['a blocked replica gets the decisions it is missing', true, [2, 3]],
    ['so does a report that does not say (the original meaning)', undefined, [2, 3]],
    ['a plain report gets none: they are in flight already', false, []],
  ];
  it.each(resend)('%s', (_name, wantsDecisions, slots) => {
    const leader = decidedUpTo(3);
    const report = { ...progress('replica-1', 2), wantsDecisions } as Message;
    const result = leader.step(report);
    expect(sentOf(result, 'decision').map((e) => [e.to, e.message.slot])).toEqual(
      slots.map((slot) => ['replica-1', slot]),
    );
    expect(leader.state.replicaSlotOut.get('replica-1')).toBe(2);
  });
});

describe('leader guards below the horizon', () => {
  // [name, slot proposed, started a commander?]
  const proposals: Array<[string, number, boolean]> = [
    ['below the horizon: stale, ignored', 2, false],
    ['at the horizon: proposed as usual', 3, true],
  ];
  it.each(proposals)('a propose %s', (_name, slot, started) => {
    const leader = LeaderHarness.active();
    leader.steps(progress('replica-0', 3), progress('replica-1', 3));
    const result = leader.step(propose(slot, 'late'));
    expect(sentOf(result, 'p2a').length).toBe(started ? 3 : 0);
    expect(leader.state.proposals.has(slot)).toBe(started);
    if (!started) {
      expect(result.notes?.join()).toMatch(/below the horizon 3/);
      expect(leader.state.counters.staleIgnored).toBe(1);
    }
  });

  it('a commander below the horizon is a broken invariant', () => {
    const leader = LeaderHarness.active();
    leader.steps(progress('replica-0', 3), progress('replica-1', 3));
    const out = new StepCollector(leader.state);
    expect(() => startCommander(leader.state, 2, batch('x'), 0, out)).toThrow(/below the horizon/);
  });

  it('a p2b saying the slot is collected is no acceptance: it teaches the horizon', () => {
    const leader = LeaderHarness.active();
    leader.steps(propose(2, 'a'), p2b('acceptor-0', ballot(0), 2));
    const refused: Message = { ...p2b('acceptor-1', ballot(0), 2), collectedBelow: 3 } as Message;
    const result = leader.step(refused);
    expect(sentOf(result, 'decision')).toEqual([]);
    expect(leader.state.collectedBelow).toBe(3);
    expect(leader.state.commanders.size).toBe(0);
    expect(collectsOf(leader)).toEqual(toAllAcceptors(3));
    expect(result.notes?.join()).toMatch(/not an acceptance/);
  });

  it('a horizon claimed by a process that is not an acceptor is ignored', () => {
    const leader = new LeaderHarness();
    leader.step(p1bCollected('leader-1', 0, 50));
    expect(leader.state.collectedBelow).toBe(1);
  });
});

describe('leader adopted with p1bs reporting collectedBelow', () => {
  const durableBallot = new Map<string, DurableEntry>([
    ['ballot', { slot: null, value: ballot(4) }],
  ]);

  it('runs no commander below the highest collectedBelow it saw, and drops such proposals', () => {
    const leader = new LeaderHarness(leaderConfig(), durableBallot);
    for (const slot of [1, 2, 3, 4, 5]) leader.step(propose(slot, `mine${slot}`));
    leader.tick(200);
    expect(leader.state.scout?.ballot).toEqual(ballot(5));
    const result = leader.steps(
      // acceptor-0 collected below 4; acceptor-1 did not and still reports old slots.
      p1bCollected('acceptor-0', 5, 4, [pvalue(ballot(3), 4, 'pmax4'), pvalue(ballot(3), 6, 'x6')]),
      p1bCollected('acceptor-1', 5, 1, [
        pvalue(ballot(2), 2, 'old2'),
        pvalue(ballot(2), 3, 'old3'),
        pvalue(ballot(2), 5, 'x5'),
      ]),
    );
    expect(leader.state.active).toBe(true);
    expect(leader.state.collectedBelow).toBe(4);
    const p2as = sentOf(result, 'p2a').filter((e) => e.to === 'acceptor-0');
    expect(p2as.map((e) => [e.message.pvalue.slot, e.message.pvalue.value.batchId])).toEqual([
      [4, 'pmax4'],
      [5, 'x5'],
      [6, 'x6'],
    ]);
    expect([...leader.state.proposals.keys()].sort()).toEqual([4, 5, 6]);
    // The new leader repeats the horizon once, for acceptors that collected less.
    expect(sentOf(result, 'collect').map((e) => [e.to, e.message.belowSlot])).toEqual(
      toAllAcceptors(4),
    );
    expect(result.notes?.join()).toMatch(/2 pvalue\(s\) below horizon 4 skipped/);
  });

  it('a leader adopted with nothing collected sends no collect', () => {
    const leader = LeaderHarness.active();
    expect(sentOf(leader.last, 'collect')).toEqual([]);
  });

  it('describes its horizon and the reports', () => {
    const leader = LeaderHarness.active();
    leader.steps(progress('replica-0', 4), progress('replica-1', 6));
    expect(JSON.parse(JSON.stringify(describeLeader(leader.state)))).toMatchObject({
      collectedBelow: 4,
      replicaSlotOut: { 'replica-0': 4, 'replica-1': 6 },
      counters: { horizonAdvances: 1, collectsSent: 3 },
    });
  });
});
