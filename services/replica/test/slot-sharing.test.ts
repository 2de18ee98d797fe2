import { proposerOf } from '../src/role/slot-sharing';
import {
  ReplicaHarness,
  batch,
  command,
  decision,
  put,
  replicaConfig,
  request,
  sentOf,
} from './support/harness';

/** Slots this step proposed into. */
const proposedSlots = (r: { send: Parameters<typeof sentOf>[0]['send'] }): number[] => [
  ...new Set(sentOf({ send: r.send }, 'propose').map((e) => e.message.slot)),
];

/** A decided batch of replica-1's, carrying one command: replica-1 is busy. */
const partnerBatch = (seq: number) =>
  batch(`replica-1:1:${seq}`, command(100 + seq, put('x', `${seq}`), 2));

describe('replicas take turns on slots while both are busy (slot-sharing)', () => {
  it('reads the proposer from a batch id, ids with colons included', () => {
    expect(proposerOf(batch('replica-1:3:17'))).toBe('replica-1');
    expect(proposerOf(batch('zone:a:replica-1:3:17'))).toBe('zone:a:replica-1');
    expect(proposerOf(batch('no-separators'))).toBeNull();
  });

  it('alone, a replica proposes in consecutive slots (plain PMMC)', () => {
    const r = new ReplicaHarness(replicaConfig());
    const step = r.step(request(command(1, put('a', '1')), command(2, put('b', '2'))));
    expect(proposedSlots(step)).toEqual([1]);
    const next = r.step(request(command(3, put('c', '3'))));
    expect(proposedSlots(next)).toEqual([2]);
  });

  it("once the partner's commands are decided, it proposes only in its own turns", () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(decision(1, partnerBatch(1)));
    // replica-0 is first in cluster order: slots 1, 3, 5... are its turns. Two commands per
    // batch, window [2, 6): slots 3 and 5, never 2 or 4.
    const step = r.step(
      request(
        command(1, put('a', '1')),
        command(2, put('b', '2')),
        command(3, put('c', '3')),
        command(4, put('d', '4')),
      ),
    );
    expect(proposedSlots(step)).toEqual([3, 5]);
    expect(r.state.counters.commandsRequeued).toBe(0);
  });

  it('fills its own turn below a decided slot at once: pending commands, else a no-op', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(decision(2, partnerBatch(1)));
    // Slot 1 is replica-0's turn, empty, and blocks slot 2: a no-op goes in at once.
    expect(r.last.send.length).toBeGreaterThan(0);
    expect(proposedSlots(r.last)).toEqual([1]);
    expect(r.state.proposals.get(1)?.commands).toEqual([]);
    expect(r.state.counters.noopsProposed).toBe(1);

    // With commands pending, the gap carries them instead of a no-op.
    const s = new ReplicaHarness(replicaConfig({ proposalsInFlightMax: 1 }));
    s.step(request(command(1, put('a', '1'))));
    expect(proposedSlots(s.last)).toEqual([1]);
    s.step(request(command(2, put('b', '2'))));
    s.step(decision(4, partnerBatch(2)));
    // 1 is in flight; 3 is ours, empty and below 4: r2 goes there though one is in flight.
    expect(proposedSlots(s.last)).toEqual([3]);
    expect(s.state.proposals.get(3)?.commands.map((c) => c.requestId)).toEqual([2]);
  });

  it('never proposes twice into a gap of its own it filled above slotIn (two proposals in flight)', () => {
    const r = new ReplicaHarness(
      replicaConfig({ proposalsInFlightMax: 2, batchMaxCommands: 1, windowSlots: 16 }),
    );
    r.step(decision(1, partnerBatch(1)));
    r.step(
      request(
        command(1, put('a', '1')),
        command(2, put('b', '2')),
        command(3, put('c', '3')),
        command(4, put('d', '4')),
      ),
    );
    expect([...r.state.proposals.keys()]).toEqual([3, 5]);
    // The partner decides slot 8: slot 7, ours and empty, blocks it and takes r3 at once.
    r.step(decision(8, partnerBatch(2)));
    expect(proposedSlots(r.last)).toEqual([7]);
    // The partner's slots 2, 4 and 6 and our 3 and 5 decided and applied: one proposal (7) in
    // flight, so r4 goes out, into slot 9: the slot search starts below 7, and 7 already
    // carries a proposal.
    r.step(decision(2, partnerBatch(3)));
    r.step(decision(4, partnerBatch(4)));
    r.step(decision(6, partnerBatch(5)));
    r.step(decision(3, r.state.proposals.get(3)!));
    expect(proposedSlots(r.last)).toEqual([]);
    const step = r.step(decision(5, r.state.proposals.get(5)!));
    expect(proposedSlots(step)).toEqual([9]);
    expect(r.state.proposals.get(9)?.commands.map((c) => c.requestId)).toEqual([4]);
  });

  it('counts a decided proposal as in flight until it is applied, so partners propose together', () => {
    const r = new ReplicaHarness(replicaConfig({ proposalsInFlightMax: 1 }));
    r.step(decision(1, partnerBatch(1)));
    r.step(request(command(1, put('a', '1'))));
    expect(proposedSlots(r.last)).toEqual([3]);
    r.step(request(command(2, put('b', '2'))));
    // Slot 3 is decided, but the partner's slot 2 is not: nothing of ours can be applied yet,
    // so r2 waits instead of starting a stream of slots out of step with the partner's.
    r.step(decision(3, r.state.proposals.get(3)!));
    expect(proposedSlots(r.last)).toEqual([]);
    expect(r.state.slotOut).toBe(2);
    // The partner's slot 2 arrives: 2 and 3 are applied in this step, which proposes r2.
    const step = r.step(decision(2, partnerBatch(2)));
    expect(r.state.slotOut).toBe(4);
    expect(proposedSlots(step)).toEqual([5]);
    expect(r.state.proposals.get(5)?.commands.map((c) => c.requestId)).toEqual([2]);
  });

  it("leaves the partner's turns alone, and takes them over once the partner falls silent", () => {
    const r = new ReplicaHarness(replicaConfig({ partnerActiveMs: 1_000 }));
    r.step(decision(1, partnerBatch(1)));
    r.step(decision(3, batch('replica-0:1:9', command(50, put('q', 'q')))));
    // Slot 2 is replica-1's turn: not ours to fill while replica-1 is busy.
    expect(r.state.proposals.has(2)).toBe(false);
    r.now = 1_500;
    const step = r.step(request(command(1, put('a', '1'))));
    // replica-1 silent for 1.5 s: every slot is ours again, and the blocking slot 2 comes first.
    expect(proposedSlots(step)).toEqual([2]);
  });

  it('a no-op decided for the partner does not count as the partner being busy', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(decision(1, batch('replica-1:1:1')));
    const step = r.step(request(command(1, put('a', '1'))));
    expect(proposedSlots(step)).toEqual([2]);
  });
});
