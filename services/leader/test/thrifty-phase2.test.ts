import { leaderRole } from '@paxos/leader';
import { LeaderHarness, ballot, leaderConfig, p1b, p2b, propose, sentOf } from './support/harness';

/** Thrifty phase 2 (spareAfterMs): p2a to a majority first, to the others only if it stalls. */
describe('thrifty phase 2', () => {
  /** Active at round 0; acceptor-1 answered phase 1 last, at t=5, acceptor-0 at t=0. */
  function thriftyLeader(): LeaderHarness {
    const leader = new LeaderHarness(leaderConfig({ spareAfterMs: 30, heartbeatMs: 1000 }));
    leader.step(p1b('acceptor-0', ballot(0)));
    leader.now = 5;
    leader.step(p1b('acceptor-1', ballot(0)));
    expect(leader.state.active).toBe(true);
    return leader;
  }

  it('sends the p2a to the majority heard from most recently, and decides on their p2bs', () => {
    const leader = thriftyLeader();
    const sent = leader.step(propose(1, 'a'));
    expect(sentOf(sent, 'p2a').map((e) => e.to)).toEqual(['acceptor-1', 'acceptor-0']);
    leader.step(p2b('acceptor-1', ballot(0), 1));
    const decided = leader.step(p2b('acceptor-0', ballot(0), 1));
    expect(sentOf(decided, 'decision').map((e) => e.to)).toEqual(['replica-0', 'replica-1']);
    // Decided before spareAfterMs: the spare acceptor never hears of the slot.
    expect(leaderRole.nextDeadline(leader.state)).toBe(1005);
  });

  it('sends the p2a to the others when no decision came within spareAfterMs', () => {
    const leader = thriftyLeader();
    leader.step(propose(1, 'a'));
    leader.step(p2b('acceptor-1', ballot(0), 1));
    expect(leaderRole.nextDeadline(leader.state)).toBe(35);
    expect(sentOf(leader.tick(34), 'p2a')).toEqual([]);
    // acceptor-0 is silent (crashed?): the spare gets the p2a, and its answer completes the
    // majority.
    expect(sentOf(leader.tick(35), 'p2a').map((e) => e.to)).toEqual(['acceptor-2']);
    expect(leader.state.counters.sparesAsked).toBe(1);
    // From then on every retransmitMs (100), to whoever is still silent, as without thrift.
    expect(leaderRole.nextDeadline(leader.state)).toBe(135);
    expect(sentOf(leader.tick(135), 'p2a').map((e) => e.to)).toEqual(['acceptor-0', 'acceptor-2']);
    const decided = leader.step(p2b('acceptor-2', ballot(0), 1));
    expect(sentOf(decided, 'decision')).toHaveLength(2);
  });

  it('asks the spares after twice the recent phase-2 time once it knows it, capped by spareAfterMs', () => {
    const leader = thriftyLeader();
    leader.step(propose(1, 'a'));
    leader.now = 9;
    leader.steps(p2b('acceptor-1', ballot(0), 1), p2b('acceptor-0', ballot(0), 1));
    // Phase 2 took 4 ms (5 -> 9): the next slot asks the spare after 8 ms, not 30.
    leader.step(propose(2, 'b'));
    expect(leaderRole.nextDeadline(leader.state)).toBe(9 + 8);
    expect(sentOf(leader.tick(17), 'p2a').map((e) => e.to)).toEqual(['acceptor-2']);
    // A slow phase 2 (100 ms) moves the average up; the wait stays capped at 30.
    leader.now = 117;
    leader.steps(p2b('acceptor-1', ballot(0), 2), p2b('acceptor-2', ballot(0), 2));
    leader.step(propose(3, 'c'));
    expect(leaderRole.nextDeadline(leader.state)).toBe(117 + 30);
  });

  it('leaves an acceptor that stopped answering out of the next slots', () => {
    const leader = thriftyLeader();
    leader.step(propose(1, 'a'));
    leader.tick(35);
    leader.now = 40;
    leader.steps(p2b('acceptor-2', ballot(0), 1), p2b('acceptor-1', ballot(0), 1));
    const next = leader.step(propose(2, 'b'));
    expect(sentOf(next, 'p2a').map((e) => e.to)).toEqual(['acceptor-1', 'acceptor-2']);
  });

  it('sends every p2a to every acceptor without spareAfterMs (PMMC)', () => {
    const leader = LeaderHarness.active({ heartbeatMs: 1000 });
    expect(sentOf(leader.step(propose(1, 'a')), 'p2a')).toHaveLength(3);
  });

  it('refuses a spareAfterMs that is not a whole number >= 0', () => {
    expect(() => new LeaderHarness(leaderConfig({ spareAfterMs: -1 }))).toThrow(/spareAfterMs/);
    expect(() => new LeaderHarness(leaderConfig({ spareAfterMs: 2.5 }))).toThrow(/spareAfterMs/);
  });
});
