import { applyPersist, noopBatch, opDigest } from '@paxos/shared';
import { describeReplica, replicaRole, replicaStateDigest } from '@paxos/replica';
import {
  ReplicaHarness,
  batch,
  command,
  decision,
  get,
  put,
  replicaConfig,
  request,
  sentOf,
} from './support/harness';

describe('replica onRequest', () => {
  it('slot 1 is the first slot proposed, to every leader', () => {
    const r = new ReplicaHarness();
    const result = r.step(request(command(1)));
    const proposes = sentOf(result, 'propose');
    expect(proposes.map((p) => p.to)).toEqual(['leader-0', 'leader-1']);
    expect(proposes[0]!.message).toMatchObject({ slot: 1, value: { commands: [command(1)] } });
    expect(r.state.slotIn).toBe(2);
  });

  const batching: Array<
    [string, { windowSlots: number; batchMaxCommands: number }, number, number[][]]
  > = [
    [
      'up to batchMaxCommands per slot',
      { windowSlots: 4, batchMaxCommands: 2 },
      5,
      [[1, 2], [3, 4], [5]],
    ],
    ['one command per slot', { windowSlots: 4, batchMaxCommands: 1 }, 3, [[1], [2], [3]]],
    ['never past the window (R5)', { windowSlots: 2, batchMaxCommands: 1 }, 5, [[1], [2]]],
  ];
  it.each(batching)('batches: %s', (_name, timings, commandCount, expected) => {
    const r = new ReplicaHarness(replicaConfig(timings));
    const commands = Array.from({ length: commandCount }, (_, i) => command(i + 1));
    r.step(request(...commands));
    const proposed = [...r.state.proposals].map(([, b]) => b.commands.map((c) => c.requestId));
    expect(proposed).toEqual(expected);
    expect([...r.state.proposals.keys()]).toEqual(expected.map((_, i) => i + 1));
    expect(r.state.requests.size).toBe(commandCount - expected.flat().length);
  });

  it('a freed window slot takes the next pending commands', () => {
    const r = new ReplicaHarness(replicaConfig({ windowSlots: 1, batchMaxCommands: 1 }));
    r.step(request(command(1), command(2)));
    const result = r.step(decision(1, r.proposalAt(1)));
    expect(sentOf(result, 'propose')[0]!.message).toMatchObject({
      slot: 2,
      value: { commands: [command(2)] },
    });
  });

  it('batch ids are unique within an incarnation', () => {
    const r = new ReplicaHarness(replicaConfig({ batchMaxCommands: 1 }));
    r.step(request(command(1), command(2)));
    expect(r.proposalAt(1).batchId).toBe('replica-0:1:0');
    expect(r.proposalAt(2).batchId).toBe('replica-0:1:1');
  });

  const duplicates: Array<[string, (r: ReplicaHarness) => void]> = [
    ['already pending', (r) => r.step(request(command(24), command(25), command(26)))],
    ['already proposed', (r) => r.step(request(command(1)))],
  ];
  it.each(duplicates)('a command %s is ignored with a note', (_name, setup) => {
    const r = new ReplicaHarness(replicaConfig({ windowSlots: 1, batchMaxCommands: 1 }));
    r.step(request(command(1)));
    setup(r);
    const before = r.state.counters.duplicatesIgnored;
    const pending = r.state.requests.size;
    const pendingCommands = [...r.state.requests.values()].map((p) => p.command);
    const result = r.step(request(command(1), ...pendingCommands));
    expect(sentOf(result, 'propose')).toEqual([]);
    expect(r.state.requests.size).toBe(pending);
    expect(r.state.counters.duplicatesIgnored).toBe(before + 1 + pending);
    expect(result.notes?.join()).toMatch(/already pending/);
  });

  it('a duplicate client request is answered from the cache, not run again', () => {
    const r = new ReplicaHarness();
    r.step(request(command(1, { kind: 'cas', key: 'k', expected: null, value: 'v' })));
    const first = sentOf(r.step(decision(1, r.proposalAt(1))), 'response');
    expect(first).toHaveLength(1);
    const again = r.step(
      request(command(1, { kind: 'cas', key: 'k', expected: null, value: 'v' })),
    );
    expect(sentOf(again, 'response')).toEqual(first);
    expect(sentOf(again, 'propose')).toEqual([]);
    expect(again.persist).toEqual([]);
    expect(r.state.counters.answeredFromCache).toBe(1);
    expect(r.state.counters.commandsPerformed).toBe(1);
  });
});

describe('replica onDecision', () => {
  it('persists the decision with its slot, applies it and answers the client', () => {
    const r = new ReplicaHarness();
    r.step(request(command(1, put('a', '1'))));
    const decided = r.proposalAt(1);
    const result = r.step(decision(1, decided));
    // The decision, then the slot's change row (its durable slot is when it expires).
    expect(result.persist).toEqual([
      { op: 'put', key: 'decision:1', slot: 1, value: decided },
      { op: 'put', key: 'change:1', slot: 10_001, value: { slot: 1, changes: [[0, 'a', '1']] } },
    ]);
    expect(sentOf(result, 'response')).toEqual([
      {
        to: 'client:1',
        message: {
          type: 'response',
          from: 'replica-0',
          sessionId: 1,
          requestId: 1,
          slot: 1,
          result: { ok: true, value: null },
          opDigest: opDigest(put('a', '1')),
        },
      },
    ]);
    expect(r.state.kv.get('a')).toBe('1');
    expect(r.state.slotOut).toBe(2);
    expect(r.state.proposals.size).toBe(0);
  });

  it('decisions arriving out of order are applied in slot order', () => {
    const r = new ReplicaHarness();
    r.step(decision(2, batch('b', command(2, put('k', 'second')))));
    expect(r.state.slotOut).toBe(1);
    r.step(decision(1, batch('a', command(1, put('k', 'first')))));
    expect(r.state.slotOut).toBe(3);
    expect(r.state.kv.get('k')).toBe('second');
  });

  const guards: Array<[string, number, string, RegExp]> = [
    ['an applied slot (stale)', 1, 'a', /applied slot 1/],
    ['an identical known decision (duplicate)', 3, 'c', /duplicate decision for slot 3/],
  ];
  it.each(guards)('ignores a decision for %s with a note', (_name, slot, batchId, note) => {
    const r = new ReplicaHarness();
    r.step(decision(1, batch('a')));
    r.step(decision(3, batch('c')));
    const result = r.step(decision(slot, batch(batchId)));
    expect(result).toMatchObject({ persist: [], send: [] });
    expect(result.notes?.join()).toMatch(note);
  });

  it('a different batch for a known slot is a broken invariant (R1)', () => {
    const r = new ReplicaHarness();
    r.step(decision(3, batch('c')));
    expect(() => r.step(decision(3, batch('other')))).toThrow(/R1/);
  });

  it('a command decided in two slots runs once and is answered from the cache', () => {
    const r = new ReplicaHarness();
    const once = command(1, { kind: 'cas', key: 'k', expected: null, value: 'v' });
    r.step(decision(1, batch('a', once)));
    const second = r.step(decision(2, batch('b', once, command(2, put('j', 'w')))));
    expect(sentOf(second, 'response').map((e) => e.message.requestId)).toEqual([2]);
    expect(r.state.responses.get('1:1')).toMatchObject({
      slot: 1,
      result: { ok: true },
    });
    expect(r.state.counters).toMatchObject({ commandsPerformed: 2, duplicateCommandsSkipped: 1 });
    const retry = r.step(request(once));
    expect(sentOf(retry, 'response')[0]!.message).toMatchObject({
      slot: 1,
      result: { ok: true, value: 'v' },
    });
  });

  it('a proposal that lost its slot is proposed again in the next free slot', () => {
    const r = new ReplicaHarness(replicaConfig({ windowSlots: 1 }));
    r.step(request(command(101)));
    const result = r.step(decision(1, batch('other-replica:1:0', command(102, put('t', '1'), 2))));
    expect(sentOf(result, 'propose')[0]!.message).toMatchObject({
      slot: 2,
      value: { commands: [command(101)] },
    });
    expect(r.state.counters.commandsRequeued).toBe(1);
  });

  it('a lost proposal whose commands won elsewhere is not requeued', () => {
    const r = new ReplicaHarness();
    r.step(request(command(103)));
    r.step(decision(1, batch('other-replica:1:0', command(103))));
    expect(r.state.requests.size).toBe(0);
    expect(r.state.counters.commandsRequeued).toBe(0);
  });

  it('a pending command decided through another replica is no longer proposed', () => {
    const r = new ReplicaHarness(replicaConfig({ windowSlots: 1, batchMaxCommands: 1 }));
    r.step(request(command(1), command(2)));
    r.step(decision(2, batch('other', command(2))));
    const result = r.step(decision(1, r.proposalAt(1)));
    expect(sentOf(result, 'propose')).toEqual([]);
    expect(r.state.requests.size).toBe(0);
    expect(r.state.kv.get('k')).toBe('2');
  });

  it('writes a snapshot and truncates the decisions it covers every snapshotEverySlots', () => {
    const r = new ReplicaHarness(replicaConfig({ snapshotEverySlots: 3 }));
    r.step(decision(1, batch('a', command(1, put('x', '1')))));
    r.step(decision(2, batch('b')));
    const result = r.step(decision(3, batch('c', command(3, put('y', '3')))));
    // The step itself persists only its decision; the snapshot is written behind it.
    expect(result.persist).toEqual([
      { op: 'put', key: 'decision:3', slot: 3, value: batch('c', command(3, put('y', '3'))) },
      { op: 'put', key: 'change:3', slot: 10_003, value: { slot: 3, changes: [[0, 'y', '3']] } },
    ]);
    const answer = (requestId: number, slot: number) => ({
      sessionId: 1,
      requestId,
      slot,
      result: { ok: true, value: null },
      opDigest: opDigest(put(requestId === 1 ? 'x' : 'y', `${requestId}`)),
    });
    // Parts first (slot = slotOut, so the next snapshot's truncation removes them), then the
    // head naming them, then the truncation.
    expect(result.persistLater).toEqual([
      {
        op: 'put',
        key: 'snapshot:4:0',
        slot: 4,
        value: {
          slotOut: 4,
          part: 0,
          kv: [
            ['x', '1'],
            ['y', '3'],
          ],
          sessions: [
            { id: 2, lastActiveSlot: 0, floor: 0 },
            { id: 3, lastActiveSlot: 0, floor: 0 },
            { id: 1, lastActiveSlot: 3, floor: 0 },
          ],
          answers: [answer(1, 1), answer(3, 3)],
        },
      },
      { op: 'put', key: 'snapshot', slot: null, value: { slotOut: 4, parts: 1, watchFromSlot: 1 } },
      { op: 'truncate', belowSlot: 4 },
    ]);
    expect([...r.durable.keys()].filter((k) => k.startsWith('decision:'))).toEqual([]);
    expect(r.state.decisions.size).toBe(0);
  });
});

describe('replica timers', () => {
  it('an idle replica reports its last progress once, then has no deadline', () => {
    const r = new ReplicaHarness();
    expect(replicaRole.nextDeadline(r.state)).toBeNull();
    r.step(request(command(1)));
    r.step(decision(1, r.proposalAt(1)));
    expect(replicaRole.nextDeadline(r.state)).toBe(100);
    const report = r.tick(100);
    expect(sentOf(report, 'progress').map((e) => [e.to, e.message.slotOut])).toEqual([
      ['leader-0', 2],
      ['leader-1', 2],
    ]);
    expect(report.send).toHaveLength(2);
    expect(replicaRole.nextDeadline(r.state)).toBeNull();
    expect(r.tick(10_000).send).toEqual([]);
  });

  it('re-sends undecided proposals after retryMs of silence, not before', () => {
    const r = new ReplicaHarness(replicaConfig({ batchMaxCommands: 1 }));
    r.step(request(command(1), command(2)));
    expect(replicaRole.nextDeadline(r.state)).toBe(100);
    expect(r.tick(99).send).toEqual([]);
    r.now = 50;
    r.step(decision(1, r.proposalAt(1)));
    expect(replicaRole.nextDeadline(r.state)).toBe(150);
    const retry = r.tick(150);
    expect(sentOf(retry, 'propose').map((e) => [e.to, e.message.slot])).toEqual([
      ['leader-0', 2],
      ['leader-1', 2],
    ]);
    expect(replicaRole.nextDeadline(r.state)).toBe(250);
  });

  it('fills a blocking gap at slotOut with a no-op and asks leaders for progress', () => {
    const r = new ReplicaHarness();
    r.step(decision(2, batch('b')));
    expect(replicaRole.nextDeadline(r.state)).toBe(100);
    const result = r.tick(100);
    expect(sentOf(result, 'progress').map((e) => e.message)).toEqual(
      ['leader-0', 'leader-1'].map(() => ({
        type: 'progress',
        from: 'replica-0',
        slotOut: 1,
        wantsDecisions: true,
      })),
    );
    const proposes = sentOf(result, 'propose');
    expect(proposes.map((e) => e.message.slot)).toEqual([1, 1]);
    expect(proposes[0]!.message.value).toEqual(noopBatch('replica-0:1:0'));
    expect(r.state.counters.noopsProposed).toBe(1);
    r.step(decision(1, proposes[0]!.message.value));
    expect(r.state.slotOut).toBe(3);
    // Unblocked: what is left is one report of the new slotOut, then silence.
    expect(replicaRole.nextDeadline(r.state)).toBe(200);
    expect(sentOf(r.tick(200), 'progress').map((e) => e.message.slotOut)).toEqual([3, 3]);
    expect(replicaRole.nextDeadline(r.state)).toBeNull();
  });

  it('does not fill a gap where it has its own proposal: it re-proposes that instead', () => {
    const r = new ReplicaHarness();
    r.step(request(command(1)));
    r.step(decision(2, batch('b')));
    const result = r.tick(100);
    expect(sentOf(result, 'propose').map((e) => e.message.value.batchId)).toEqual([
      'replica-0:1:0',
      'replica-0:1:0',
    ]);
    expect(r.state.counters.noopsProposed).toBe(0);
  });
});

describe('replica recover', () => {
  it('restores slotOut, the store and the response cache from snapshot plus later decisions', () => {
    const r = new ReplicaHarness(replicaConfig({ snapshotEverySlots: 2 }));
    r.step(decision(1, batch('a', command(1, put('x', '1')))));
    r.step(decision(2, batch('b', command(2, put('y', '2')))));
    r.step(decision(3, batch('c', command(3, put('x', '3')))));
    r.step(decision(5, batch('e', command(5, put('z', '5')))));
    const restarted = r.restart();
    // Only the note to its own watch feed: nothing goes out again.
    expect(restarted.last.send.map((e) => e.message.type)).toEqual(['applied']);
    expect(restarted.state.slotOut).toBe(4);
    expect(restarted.state.slotIn).toBe(4);
    expect(restarted.state.kv).toEqual(r.state.kv);
    expect(restarted.state.responses).toEqual(r.state.responses);
    expect(replicaStateDigest(restarted.state)).toBe(replicaStateDigest(r.state));
    // slot 5 is known, slot 4 is missing: the restarted replica is blocked and will fill it.
    expect(replicaRole.nextDeadline(restarted.state)).toBe(100);
    const retry = restarted.step(request(command(2, put('y', '2'))));
    expect(sentOf(retry, 'response')[0]!.message).toMatchObject({ requestId: 2, slot: 2 });
  });

  it('recovers the same state when a snapshot written behind its step was lost in a crash', () => {
    const config = replicaConfig({ snapshotEverySlots: 2 });
    const r = new ReplicaHarness(config);
    const lost = new ReplicaHarness(config);
    const steps = [
      decision(1, batch('a', command(1, put('x', '1')))),
      decision(2, batch('b', command(2, put('y', '2')))),
      decision(3, batch('c', command(3, put('x', '3')))),
    ];
    for (const m of steps) {
      r.step(m);
      // The same steps, but only their own writes ever become durable.
      const result = replicaRole.step(lost.state, m, lost.now);
      lost.state = result.state;
      lost.durable = applyPersist(lost.durable, result.persist);
    }
    // Only the seeded snapshot at slotOut 1: none of the three steps' snapshots became durable.
    expect(lost.durable.get('snapshot')?.value).toEqual({ slotOut: 1, parts: 1, watchFromSlot: 1 });
    const fromSnapshot = r.restart();
    const fromDecisions = lost.restart();
    expect(fromDecisions.state.slotOut).toBe(4);
    expect(replicaStateDigest(fromDecisions.state)).toBe(replicaStateDigest(fromSnapshot.state));
    expect(fromDecisions.state.responses).toEqual(fromSnapshot.state.responses);
  });

  it('answers a redelivered decision the same way after a crash before its step committed', () => {
    // The crash loses the step's commit, so its acks too: the decision comes back to the next
    // life, which must apply it to the same state and give the same answers.
    const r = new ReplicaHarness();
    r.step(decision(1, batch('a', command(1, put('x', '1')))));
    const durableBefore = new Map(r.durable);
    const decided = decision(2, batch('b', command(2, put('x', '2')), command(3, get('x'))));
    const answered = sentOf(r.step(decided), 'response').map((e) => e.message);
    const nextLife = new ReplicaHarness(r.config, durableBefore);
    const again = sentOf(nextLife.step(decided), 'response').map((e) => e.message);
    expect(answered.map((m) => m.result)).toEqual([
      { ok: true, value: '1' },
      { ok: true, value: '2' },
    ]);
    expect(again).toEqual(answered);
  });

  it('bumps the durable incarnation so batch ids never repeat across restarts', () => {
    const r = new ReplicaHarness();
    expect(r.last.persist).toEqual([{ op: 'put', key: 'incarnation', slot: null, value: 1 }]);
    r.step(request(command(1)));
    const restarted = r.restart();
    expect(restarted.state.incarnation).toBe(2);
    restarted.step(request(command(1)));
    expect(restarted.proposalAt(1).batchId).toBe('replica-0:2:0');
  });

  it('rejects a configuration it cannot run', () => {
    expect(() => new ReplicaHarness(replicaConfig({ windowSlots: 0 }))).toThrow(/windowSlots/);
    expect(() => new ReplicaHarness(replicaConfig({ windowSlots: 5000 }))).toThrow(
      /windowSlots must be at most/,
    );
  });
});

describe('replica misc', () => {
  it('digests agree for replicas that applied the same decisions', () => {
    const a = new ReplicaHarness();
    const b = new ReplicaHarness(replicaConfig({ id: 'replica-1' }));
    for (const r of [a, b]) r.step(decision(1, batch('a', command(1, put('x', '1')))));
    expect(replicaStateDigest(a.state)).toBe(replicaStateDigest(b.state));
    b.step(decision(2, batch('b')));
    expect(replicaStateDigest(a.state)).not.toBe(replicaStateDigest(b.state));
  });

  it('ignores messages for other roles with a note', () => {
    const r = new ReplicaHarness();
    const result = r.step({
      type: 'p1a',
      from: 'leader-0',
      ballot: { round: 0, leaderId: 'leader-0' },
    });
    expect(result).toMatchObject({
      send: [],
      persist: [],
      notes: ['replica ignores p1a from leader-0'],
    });
  });

  it('describes itself as JSON', () => {
    const r = new ReplicaHarness();
    r.step(request(command(1)));
    expect(JSON.parse(JSON.stringify(describeReplica(r.state)))).toMatchObject({
      role: 'replica',
      id: 'replica-0',
      slotIn: 2,
      slotOut: 1,
      proposals: 1,
      waitingForDecision: true,
    });
  });
});

describe('replica proposals in flight', () => {
  it('keeps at most proposalsInFlightMax unapplied, so waiting commands fill the next batch', () => {
    const r = new ReplicaHarness(
      replicaConfig({ windowSlots: 8, batchMaxCommands: 10, proposalsInFlightMax: 1 }),
    );
    r.step(request(command(1)));
    r.step(request(command(2)));
    r.step(request(command(3)));
    expect([...r.state.proposals.keys()]).toEqual([1]);
    const first = r.state.proposals.get(1)!;
    const next = r.step(decision(1, first));
    const proposes = sentOf(next, 'propose');
    expect(proposes[0]!.message).toMatchObject({ slot: 2 });
    expect(proposes[0]!.message.value.commands.map((c) => c.requestId)).toEqual([2, 3]);
  });
});
