import { replicaRole } from '@paxos/replica';
import { LIMITS, sentOf, type Command, type Message } from '@paxos/shared';
import {
  ReplicaHarness,
  batch,
  command,
  decision,
  get,
  put,
  replicaConfig,
  request,
} from './support/harness';

/**
 * Reads without a slot (reads.ts, docs/reads.md), as transcripts: what comes in, what goes out.
 * The harness's cluster has acceptors acceptor-0..2; a majority is two.
 */
const reply = (probeId: string, from: string, acceptedThrough: number): Message => ({
  type: 'read-probe-reply',
  from,
  probeId,
  acceptedThrough,
});

const readOf = (requestId: number, key = 'k', consistency?: 'serializable'): Command =>
  consistency ? { ...command(requestId, get(key)), consistency } : command(requestId, get(key));

/** The probes a step sent: [to, probeId]. */
const probesSent = (r: ReplicaHarness) =>
  sentOf(r.last, 'read-probe').map((e) => [e.to, e.message.probeId]);

/** The read answers a step sent (not the writes' answers): [requestId, value, slot, read]. */
const answers = (r: ReplicaHarness) =>
  sentOf(r.last, 'response')
    .filter((e) => e.message.read !== undefined)
    .map((e) => [e.message.requestId, e.message.result.value, e.message.slot, e.message.read]);

describe('a linearizable read', () => {
  it('waits for a majority of probe replies, then for every slot through the highest', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(request(readOf(10)));
    const id = 'replica-0:1:0';
    // A majority first: the first two, before any probe has shown which answer faster.
    expect(probesSent(r)).toEqual([
      ['acceptor-0', id],
      ['acceptor-1', id],
    ]);
    // It takes no slot.
    expect(sentOf(r.last, 'propose')).toEqual([]);
    r.step(reply(id, 'acceptor-0', 2));
    expect(answers(r)).toEqual([]);
    // The same acceptor twice (at-least-once delivery) is still one reply.
    r.step(reply(id, 'acceptor-0', 2));
    expect(answers(r)).toEqual([]);
    // An acceptor that was not asked does not count.
    r.step(reply(id, 'acceptor-2', 1));
    expect(r.state.reads.probes[0]!.heard).toEqual(new Set(['acceptor-0']));
    r.step(reply(id, 'acceptor-1', 1));
    // A majority replied; slot 2 is not applied yet.
    expect(answers(r)).toEqual([]);
    r.step(decision(1, batch('replica-1:0:0', command(1, put('k', 'one'), 2))));
    expect(answers(r)).toEqual([]);
    r.step(decision(2, batch('replica-1:0:1', command(2, put('k', 'two'), 2))));
    expect(answers(r)).toEqual([[10, 'two', 2, 'linearizable']]);
    expect(r.state.reads.probes).toEqual([]);
    expect(r.state.counters.readsServed).toBe(1);
    // A late reply to an answered probe changes nothing.
    r.step(reply(id, 'acceptor-0', 2));
    expect(answers(r)).toEqual([]);
  });

  it('answers at once once a majority replies with slots already applied', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(decision(1, batch('replica-1:0:0', command(1, put('k', 'one'), 2))));
    r.step(request(readOf(10)));
    r.step(reply('replica-0:1:0', 'acceptor-1', 1));
    r.step(reply('replica-0:1:0', 'acceptor-0', 0));
    expect(answers(r)).toEqual([[10, 'one', 1, 'linearizable']]);
  });

  it('uses only a probe sent after it arrived: reads during a probe ride the next one', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(request(readOf(10)));
    r.step(request(readOf(11)));
    expect(LIMITS.readProbesInFlightMax).toBe(2);
    expect(r.state.reads.probes.map((p) => p.id)).toEqual(['replica-0:1:0', 'replica-0:1:1']);
    // A third read waits: two probes are in flight.
    r.step(request(readOf(12), readOf(13)));
    expect(probesSent(r)).toEqual([]);
    expect(r.state.reads.queued).toHaveLength(2);
    // The second probe completes first: only its read is answered, and the queued reads go out.
    r.step(reply('replica-0:1:1', 'acceptor-0', 0));
    r.step(reply('replica-0:1:1', 'acceptor-1', 0));
    expect(answers(r)).toEqual([[11, null, 1, 'linearizable']]);
    expect(probesSent(r).map(([, id]) => id)).toEqual(Array(2).fill('replica-0:1:2'));
    expect(r.state.reads.probes.map((p) => p.reads.map((c) => c.requestId))).toEqual([
      [10],
      [12, 13],
    ]);
  });

  it('waits for a slot accepted but never decided: the retry tick proposes a no-op into it', () => {
    const r = new ReplicaHarness(replicaConfig({ retryMs: 100 }));
    r.step(request(readOf(10)));
    r.step(reply('replica-0:1:0', 'acceptor-0', 1));
    r.step(reply('replica-0:1:0', 'acceptor-1', 0));
    expect(answers(r)).toEqual([]);
    r.tick(r.state.retryDueAt!);
    const noops = sentOf(r.last, 'propose').filter((p) => p.message.value.commands.length === 0);
    expect(noops.map((p) => p.message.slot)).toEqual([1, 1]);
    r.step(decision(1, r.proposalAt(1)));
    expect(answers(r)).toEqual([[10, null, 1, 'linearizable']]);
  });

  it('goes through the log when no majority replies within retryMs', () => {
    const r = new ReplicaHarness(replicaConfig({ retryMs: 100 }));
    r.step(request(readOf(10)));
    r.step(reply('replica-0:1:0', 'acceptor-0', 0));
    r.tick(r.state.retryDueAt!);
    const proposed = r.proposalAt(1);
    // The command is the plain one: the log knows no consistency.
    expect(proposed.commands).toEqual([command(10, get('k'))]);
    expect(r.state.counters.readsThroughLog).toBe(1);
    r.step(decision(1, proposed));
    expect(sentOf(r.last, 'response').map((e) => [e.message.slot, e.message.read])).toEqual([
      [1, undefined],
    ]);
  });

  it('asks the acceptors of a configuration learned while it waits before answering', () => {
    const r = new ReplicaHarness(replicaConfig({ windowSlots: 2 }));
    r.step(request(readOf(10)));
    r.step(reply('replica-0:1:0', 'acceptor-0', 1));
    r.step(reply('replica-0:1:0', 'acceptor-1', 1));
    const reconfigure: Command = {
      sessionId: 0,
      requestId: 7,
      op: {
        kind: 'reconfigure',
        acceptors: ['acceptor-0', 'acceptor-3', 'acceptor-4'],
        leaders: ['leader-0', 'leader-1'],
        replicas: ['replica-0', 'replica-1'],
      },
    };
    // Slot 1 schedules epoch 1 from slot 3: a write decided there before the read arrived would
    // have been accepted by acceptor-3 and acceptor-4 only.
    r.step(decision(1, batch('replica-1:0:0', reconfigure)));
    expect(answers(r)).toEqual([]);
    // acceptor-0 is in both and has replied: one more of epoch 1 makes its majority.
    expect(probesSent(r)).toEqual([['acceptor-3', 'replica-0:1:0']]);
    r.step(reply('replica-0:1:0', 'acceptor-3', 3));
    r.step(decision(2, batch('replica-1:0:1', command(1, put('k', 'two'), 2))));
    expect(answers(r)).toEqual([]);
    r.step(decision(3, batch('replica-1:0:2', command(2, put('k', 'three'), 2))));
    expect(answers(r)).toEqual([[10, 'three', 3, 'linearizable']]);
  });

  it('asks the rest when its majority is late, then asks the acceptors that answered first', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(request(readOf(10)));
    r.step(reply('replica-0:1:0', 'acceptor-1', 0));
    // acceptor-0 is down: at the widening deadline (20 ms with no earlier probe) acceptor-2 is asked.
    expect(replicaRole.nextDeadline(r.state)).toBe(20);
    r.tick(20);
    expect(probesSent(r)).toEqual([['acceptor-2', 'replica-0:1:0']]);
    expect(r.state.counters.readProbesWidened).toBe(1);
    r.step(reply('replica-0:1:0', 'acceptor-2', 0));
    expect(answers(r)).toEqual([[10, null, 1, 'linearizable']]);
    // The next probe asks the two that answered.
    r.step(request(readOf(11)));
    expect(probesSent(r)).toEqual([
      ['acceptor-1', 'replica-0:1:1'],
      ['acceptor-2', 'replica-0:1:1'],
    ]);
  });

  it('forgets its probes on a restart: replies to the earlier life are ignored', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(request(readOf(10)));
    const restarted = r.restart();
    restarted.step(reply('replica-0:1:0', 'acceptor-0', 0));
    restarted.step(reply('replica-0:1:0', 'acceptor-1', 0));
    expect(sentOf(restarted.last, 'response')).toEqual([]);
    expect(restarted.state.counters.staleIgnored).toBe(2);
  });
});

describe('a serializable read', () => {
  it('is answered at once from this replica, with no probe and no slot', () => {
    const r = new ReplicaHarness(replicaConfig());
    r.step(decision(1, batch('replica-1:0:0', command(1, put('k', 'one'), 2))));
    r.step(request(readOf(10, 'k', 'serializable')));
    expect(answers(r)).toEqual([[10, 'one', 1, 'serializable']]);
    expect(probesSent(r)).toEqual([]);
    expect(sentOf(r.last, 'propose')).toEqual([]);
  });
});

describe('REPLICA_READ_PROBES=false (a rolling upgrade from a release without probes)', () => {
  it('sends every read through the log, serializable ones too', () => {
    const r = new ReplicaHarness(replicaConfig({ readProbes: false }));
    r.step(request(readOf(10), readOf(11, 'k', 'serializable')));
    expect(probesSent(r)).toEqual([]);
    expect(r.proposalAt(1).commands).toEqual([command(10, get('k')), command(11, get('k'))]);
  });
});
