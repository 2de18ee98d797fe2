import { leaderRole } from '@paxos/leader';
import { beaconEveryBeats } from '../src/role/heartbeat';
import { LeaderHarness, ballot, p2b, propose, sentOf } from './support/harness';

/**
 * Found by the simulator (seed 120): a replica that was down while the last slots were decided
 * restarted into an idle system and stayed behind forever. Commanders announce a decision once,
 * and a replica only asks for missing decisions when it sees a gap, which it never did.
 */
describe('leader heartbeat re-sends the newest decision to replicas', () => {
  it('every heartbeat carries the newest decided slot to each replica', () => {
    const leader = LeaderHarness.active();
    leader.steps(
      propose(1, 'a'),
      p2b('acceptor-0', ballot(0), 1),
      p2b('acceptor-1', ballot(0), 1),
      propose(2, 'b'),
      p2b('acceptor-0', ballot(0), 2),
      p2b('acceptor-1', ballot(0), 2),
    );
    const beat = leader.tick(leaderRole.nextDeadline(leader.state) ?? 0);
    expect(sentOf(beat, 'heartbeat').map((e) => e.to)).toEqual(['leader-1']);
    expect(
      sentOf(beat, 'decision').map((e) => [e.to, e.message.slot, e.message.value.batchId]),
    ).toEqual([
      ['replica-0', 2, 'b'],
      ['replica-1', 2, 'b'],
    ]);
  });

  it('sends no decision while nothing is decided', () => {
    const leader = LeaderHarness.active();
    const beat = leader.tick(leaderRole.nextDeadline(leader.state) ?? 0);
    expect(sentOf(beat, 'heartbeat')).toHaveLength(1);
    expect(sentOf(beat, 'decision')).toEqual([]);
  });

  it('an idle log re-sends it only about every BEACON_INTERVAL_MS (an idle fleet stays idle)', () => {
    const leader = LeaderHarness.active();
    const every = beaconEveryBeats(leader.state.config.heartbeatMs);
    expect(every * leader.state.config.heartbeatMs).toBe(10_000);
    leader.steps(propose(1, 'a'), p2b('acceptor-0', ballot(0), 1), p2b('acceptor-1', ballot(0), 1));
    const decisionsPerBeat: number[] = [];
    for (let i = 0; i < 2 * every + 1; i++) {
      const beat = leader.tick(leaderRole.nextDeadline(leader.state) ?? 0);
      decisionsPerBeat.push(sentOf(beat, 'decision').length);
    }
    const beacons = decisionsPerBeat.flatMap((n, i) => (n > 0 ? [i] : []));
    expect(beacons).toEqual([0, every, 2 * every]);
  });
});
