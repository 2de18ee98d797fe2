import type { Batch, Message } from '@paxos/shared';
import { ReplicaHarness, batch, command, decision, request, sentOf } from './support/harness';

const ballot = (round: number, leaderId = 'leader-0') => ({ round, leaderId });

const accepted = (from: string, slot: number, value: Batch, round = 1): Message => ({
  type: 'accepted',
  from,
  pvalue: { ballot: ballot(round), slot, value },
});

/** The replica as a learner: decisions from a majority of acceptors' `accepted` messages. */
describe('replica onAccepted', () => {
  it('decides, persists and applies a slot once a majority of acceptors accepted one ballot', () => {
    const r = new ReplicaHarness();
    r.step(request(command(1)));
    const ours = r.proposalAt(1);
    const first = r.step(accepted('acceptor-0', 1, ours));
    expect(first.persist).toEqual([]);
    expect(sentOf(first, 'response')).toEqual([]);
    expect(r.state.slotOut).toBe(1);

    const second = r.step(accepted('acceptor-2', 1, ours));
    expect(second.persist).toContainEqual(
      expect.objectContaining({ op: 'put', key: 'decision:1', slot: 1, value: ours }),
    );
    expect(sentOf(second, 'response')).toHaveLength(1);
    expect(r.state.slotOut).toBe(2);
    expect(r.state.acceptances.size).toBe(0);
    expect(r.state.counters.decisionsLearned).toBe(1);
  });

  it('counts distinct acceptors: a duplicate acceptance is not a second vote', () => {
    const r = new ReplicaHarness();
    const b = batch('b1', command(1));
    r.step(accepted('acceptor-0', 1, b));
    r.step(accepted('acceptor-0', 1, b));
    expect(r.state.decisions.has(1)).toBe(false);
    expect(r.state.slotOut).toBe(1);
  });

  it('does not add up acceptances of different ballots', () => {
    const r = new ReplicaHarness();
    const b1 = batch('b1', command(1));
    const b2 = batch('b2', command(2));
    r.step(accepted('acceptor-0', 1, b1, 1));
    r.step(accepted('acceptor-1', 1, b2, 2));
    expect(r.state.decisions.has(1)).toBe(false);
    r.step(accepted('acceptor-2', 1, b2, 2));
    // Decided, applied (so no longer held in memory) and durable as b2.
    expect(r.state.slotOut).toBe(2);
    expect(r.durable.get('decision:1')?.value).toEqual(b2);
  });

  it('ignores acceptances from a process that is not an acceptor', () => {
    const r = new ReplicaHarness();
    const b = batch('b1', command(1));
    r.step(accepted('acceptor-0', 1, b));
    r.step(accepted('leader-0', 1, b));
    expect(r.state.decisions.has(1)).toBe(false);
    expect(r.state.counters.unexpectedIgnored).toBe(1);
  });

  it('ignores acceptances for slots already decided or applied, and a later decision agrees', () => {
    const r = new ReplicaHarness();
    const b = batch('b1', command(1));
    r.step(accepted('acceptor-0', 1, b));
    r.step(accepted('acceptor-1', 1, b));
    const late = r.step(accepted('acceptor-2', 1, b));
    expect(late.persist).toEqual([]);
    expect(r.state.acceptances.size).toBe(0);
    const fromLeader = r.step(decision(1, b));
    expect(fromLeader.persist).toEqual([]);
    expect(r.state.counters.decisionsLearned).toBe(1);
  });

  it('keeps tallies only until the slot is decided, whoever announces it', () => {
    const r = new ReplicaHarness();
    const b = batch('b1', command(1));
    r.step(accepted('acceptor-0', 1, b));
    expect(r.state.acceptances.size).toBe(1);
    r.step(decision(1, b));
    expect(r.state.acceptances.size).toBe(0);
  });

  it('refuses two values for one ballot and slot (A4 broken)', () => {
    const r = new ReplicaHarness();
    r.step(accepted('acceptor-0', 1, batch('b1', command(1))));
    expect(() => r.step(accepted('acceptor-1', 1, batch('b2', command(2))))).toThrow(/A4/);
  });

  it('forgets tallies in a restart and still learns from the acceptances that come again', () => {
    const r = new ReplicaHarness();
    const b = batch('b1', command(1));
    r.step(accepted('acceptor-0', 1, b));
    const again = r.restart();
    expect(again.state.acceptances.size).toBe(0);
    again.step(accepted('acceptor-0', 1, b));
    again.step(accepted('acceptor-1', 1, b));
    expect(again.state.slotOut).toBe(2);
  });
});
