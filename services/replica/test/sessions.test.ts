import { opDigest, registrationSlotOf, sessionIdOf } from '@paxos/shared';
import { replicaStateDigest, type ReplicaState } from '@paxos/replica';
import {
  ReplicaHarness,
  batch,
  command,
  decision,
  put,
  register,
  replicaConfig,
  request,
  seededDurable,
  sentOf,
  withdraw,
} from './support/harness';

/** What a step answered: [destination, sessionId:requestId, result]. */
const answered = (result: ReturnType<ReplicaHarness['step']>) =>
  sentOf(result, 'response').map((e) => [
    e.to,
    `${e.message.sessionId}:${e.message.requestId}`,
    e.message.result,
  ]);

/** A replica with no sessions at all. */
const bare = (overrides = {}) => {
  const config = replicaConfig(overrides);
  return new ReplicaHarness(config, seededDurable(config, []));
};

describe('sessions: registration through the log', () => {
  it('creates sessionIdOf(slot, position) and answers only in the replica that proposed it', () => {
    const r = bare();
    r.step(request(register(77)));
    const ours = r.proposalAt(1);
    // Position 1: another replica's registration sits in front of ours in the same batch.
    const mixed = { ...ours, commands: [register(5), ...ours.commands] };
    const result = r.step(decision(1, mixed));
    const id = sessionIdOf(1, 1);
    expect([...r.state.sessions.keys()]).toEqual([sessionIdOf(1, 0), id]);
    expect(registrationSlotOf(id)).toBe(1);
    // Both registrations ran; the batch is ours, so both are answered, to client:0.
    expect(answered(result)).toEqual([
      ['client:0', '0:5', { ok: true, value: null, sessionId: sessionIdOf(1, 0) }],
      ['client:0', '0:77', { ok: true, value: null, sessionId: id }],
    ]);
    expect(sentOf(result, 'response')[1]!.message.opDigest).toBe(opDigest({ kind: 'register' }));
  });

  it('a registration in another replica`s batch creates the session but is not answered here', () => {
    const r = bare();
    const result = r.step(decision(1, batch('replica-1:1:0', register(9))));
    expect(r.state.sessions.has(sessionIdOf(1, 0))).toBe(true);
    expect(sentOf(result, 'response')).toEqual([]);
  });

  it('is never deduplicated by the response cache: the same request number registers twice', () => {
    const r = bare();
    r.step(decision(1, batch('replica-1:1:0', register(9))));
    r.step(decision(2, batch('replica-1:1:1', register(9))));
    expect([...r.state.sessions.keys()]).toEqual([sessionIdOf(1, 0), sessionIdOf(2, 0)]);
    expect(r.state.responses.size).toBe(0);
  });

  // [name, sessions as [id, lastActiveSlot] in table order, the evicted id]
  const evictions: Array<[string, Array<[number, number]>, number]> = [
    [
      'the least recently active goes',
      [
        [3, 1],
        [1, 2],
        [2, 3],
      ],
      3,
    ],
    [
      'ties go by lowest id',
      [
        [3, 1],
        [2, 1],
        [1, 2],
      ],
      2,
    ],
    [
      'ties go by lowest id, whatever the table order',
      [
        [5, 0],
        [4, 0],
        [6, 0],
      ],
      4,
    ],
  ];
  it.each(evictions)('when full, %s', (_name, table, evicted) => {
    const r = bare({ sessionsMax: 3 });
    for (const [id, lastActiveSlot] of table) {
      r.state.sessions.set(id, { id, lastActiveSlot, floor: 0, answers: new Map() });
    }
    r.step(decision(5, batch('replica-1:1:0')));
    r.step(decision(1, batch('replica-1:1:1')));
    r.step(decision(2, batch('replica-1:1:2')));
    r.step(decision(3, batch('replica-1:1:3')));
    r.step(decision(4, batch('replica-1:1:4', register(1))));
    const remaining = table.map(([id]) => id).filter((id) => id !== evicted);
    expect([...r.state.sessions.keys()].sort()).toEqual([...remaining, sessionIdOf(4, 0)].sort());
    expect(r.state.counters.sessionsEvicted).toBe(1);
  });

  it('a session that runs a command becomes the most recently active', () => {
    const r = bare({ sessionsMax: 2 });
    r.step(decision(1, batch('replica-1:1:0', register(1), register(2))));
    const [a, b] = [sessionIdOf(1, 0), sessionIdOf(1, 1)];
    r.step(decision(2, batch('replica-1:1:1', command(1, put('k', 'v'), a))));
    r.step(decision(3, batch('replica-1:1:2', register(3))));
    // b was idle since slot 1, a ran at slot 2: b goes.
    expect([...r.state.sessions.keys()]).toEqual([a, sessionIdOf(3, 0)]);
    expect(r.state.sessions.has(b)).toBe(false);
  });

  it('an evicted session takes its answers with it; a retry is refused, never run again', () => {
    const r = bare({ sessionsMax: 1 });
    r.step(decision(1, batch('replica-1:1:0', register(1))));
    const a = sessionIdOf(1, 0);
    r.step(decision(2, batch('replica-1:1:1', command(1, put('k', 'first'), a))));
    r.step(decision(3, batch('replica-1:1:2', register(2))));
    r.step(decision(4, batch('replica-1:1:3', command(2, put('k', 'second'), sessionIdOf(3, 0)))));
    expect(r.state.responses.size).toBe(1);
    const retry = r.step(request(command(1, put('k', 'first'), a)));
    expect(answered(retry)).toEqual([
      [`client:${a}`, `${a}:1`, { ok: false, value: null, refused: 'session-unknown' }],
    ]);
    expect(sentOf(retry, 'propose')).toEqual([]);
    // Decided anyway (another replica proposed it): refused at perform, the store unchanged.
    const late = r.step(decision(5, batch('replica-1:1:4', command(1, put('k', 'first'), a))));
    expect(answered(late)[0]![2]).toEqual({ ok: false, value: null, refused: 'session-unknown' });
    expect(r.state.kv.get('k')).toBe('second');
    expect(r.state.counters.refusedSessionUnknown).toBe(2);
  });
});

describe('sessions: commands of unknown sessions', () => {
  it('refuses at once a session whose registration slot is applied here but that is absent', () => {
    const r = new ReplicaHarness();
    r.step(decision(1, batch('replica-1:1:0')));
    const never = sessionIdOf(1, 3);
    const result = r.step(request(command(1, put('k', 'v'), never)));
    expect(answered(result)).toEqual([
      [`client:${never}`, `${never}:1`, { ok: false, value: null, refused: 'session-unknown' }],
    ]);
    expect(sentOf(result, 'response')[0]!.message.opDigest).toBe(opDigest(put('k', 'v')));
    expect(r.state.requests.size + r.state.awaitingRegistration.size).toBe(0);
  });

  it('holds a command whose session is registered at a slot not applied yet, then proposes it', () => {
    const r = new ReplicaHarness();
    const later = sessionIdOf(2, 0);
    const held = r.step(request(command(1, put('k', 'v'), later)));
    expect(sentOf(held, 'propose')).toEqual([]);
    expect(r.state.awaitingRegistration.size).toBe(1);
    r.step(decision(1, batch('replica-1:1:0')));
    expect(r.state.awaitingRegistration.size).toBe(1);
    const registered = r.step(decision(2, batch('replica-1:1:1', register(4))));
    // Proposed only now, above the registration's slot.
    expect(sentOf(registered, 'propose').map((e) => e.message.slot)).toEqual([3, 3]);
    expect(r.proposalAt(3).commands).toEqual([command(1, put('k', 'v'), later)]);
    r.step(decision(3, r.proposalAt(3)));
    expect(r.state.kv.get('k')).toBe('v');
  });

  it('refuses a held command once its registration slot is applied without its session', () => {
    const r = new ReplicaHarness();
    const phantom = sessionIdOf(1, 7);
    r.step(request(command(1, put('k', 'v'), phantom)));
    const result = r.step(decision(1, batch('replica-1:1:0', register(4))));
    expect(answered(result)).toEqual([
      [`client:${phantom}`, `${phantom}:1`, { ok: false, value: null, refused: 'session-unknown' }],
    ]);
    expect(r.state.awaitingRegistration.size).toBe(0);
    expect(sentOf(result, 'propose')).toEqual([]);
  });
});

describe('sessions: answers, floors and request numbers', () => {
  it('answers go to client:<sessionId> with the digest of the operation that ran', () => {
    const r = new ReplicaHarness();
    const result = r.step(decision(1, batch('replica-1:1:0', command(4, put('a', '1'), 2))));
    expect(sentOf(result, 'response')).toEqual([
      {
        to: 'client:2',
        message: {
          type: 'response',
          from: 'replica-0',
          sessionId: 2,
          requestId: 4,
          slot: 1,
          result: { ok: true, value: null },
          opDigest: opDigest(put('a', '1')),
        },
      },
    ]);
  });

  it('a request number reused with another operation gets the first answer and its digest', () => {
    const r = new ReplicaHarness();
    r.step(decision(1, batch('replica-1:1:0', command(5, put('k', 'a')))));
    const reused = r.step(request(command(5, put('k', 'b'))));
    const message = sentOf(reused, 'response')[0]!.message;
    expect(message).toMatchObject({ slot: 1, result: { ok: true, value: null } });
    // The shell compares this with the submitted operation's digest: 409.
    expect(message.opDigest).toBe(opDigest(put('k', 'a')));
    expect(message.opDigest).not.toBe(opDigest(put('k', 'b')));
    expect(sentOf(reused, 'propose')).toEqual([]);
    expect(r.state.kv.get('k')).toBe('a');
  });

  it('a command decided in two slots runs once: the second is skipped silently', () => {
    const r = new ReplicaHarness();
    const once = command(1, { kind: 'cas', key: 'k', expected: null, value: 'v' });
    r.step(decision(1, batch('replica-1:1:0', once)));
    const second = r.step(decision(2, batch('replica-1:1:1', once)));
    expect(sentOf(second, 'response')).toEqual([]);
    expect(r.state.counters).toMatchObject({ commandsPerformed: 1, duplicateCommandsSkipped: 1 });
  });

  it('keeps responsesPerSession answers; an evicted number raises the floor and is refused', () => {
    const r = new ReplicaHarness(replicaConfig({ responsesPerSession: 2 }));
    for (const n of [1, 2, 3]) {
      r.step(decision(n, batch(`replica-1:1:${n}`, command(n, put('k', `v${n}`)))));
    }
    const session = r.state.sessions.get(1)!;
    expect([...session.answers.keys()]).toEqual([2, 3]);
    expect(session.floor).toBe(1);
    // Still cached: answered. Below the floor: refused, not run.
    expect(answered(r.step(request(command(3, put('k', 'v3')))))[0]![2]).toEqual({
      ok: true,
      value: 'v2',
    });
    const old = r.step(request(command(1, put('k', 'v1'))));
    expect(answered(old)[0]![2]).toEqual({ ok: false, value: null, refused: 'request-too-old' });
    expect(sentOf(old, 'propose')).toEqual([]);
    const late = r.step(decision(4, batch('replica-1:1:4', command(1, put('k', 'v1')))));
    expect(answered(late)[0]![2]).toEqual({ ok: false, value: null, refused: 'request-too-old' });
    expect(r.state.kv.get('k')).toBe('v3');
    expect(r.state.counters.refusedRequestTooOld).toBe(2);
  });

  it('a number above the floor that was never answered still runs (out of order within a session)', () => {
    const r = new ReplicaHarness(replicaConfig({ responsesPerSession: 2 }));
    r.step(
      decision(1, batch('replica-1:1:0', command(5, put('a', '5')), command(6, put('b', '6')))),
    );
    r.step(decision(2, batch('replica-1:1:1', command(7, put('c', '7')))));
    expect(r.state.sessions.get(1)!.floor).toBe(5);
    r.step(
      decision(3, batch('replica-1:1:2', command(4, put('d', '4')), command(8, put('e', '8')))),
    );
    expect(r.state.kv.has('d')).toBe(false);
    expect(r.state.kv.get('e')).toBe('8');
  });

  it('bounds all answers` values by responseCacheJsonBytesMax, evicting the oldest across sessions', () => {
    // A put answers null (4 bytes as JSON), each get a 10-character value (12 bytes).
    const r = new ReplicaHarness(replicaConfig({ responseCacheJsonBytesMax: 30 }));
    r.step(decision(1, batch('replica-1:1:0', command(1, put('k', '0123456789'), 3))));
    const gets = [
      command(1, { kind: 'get', key: 'k' }, 1),
      command(1, { kind: 'get', key: 'k' }, 2),
    ];
    r.step(decision(2, batch('replica-1:1:1', ...gets)));
    // 4 (null) + 12 + 12 = 28: all kept.
    expect([...r.state.responses.keys()]).toEqual(['3:1', '1:1', '2:1']);
    r.step(decision(3, batch('replica-1:1:2', command(2, { kind: 'get', key: 'k' }, 3))));
    // 28 + 12 > 30: the oldest (3:1, 4 bytes) goes, 36 is still too many, then 1:1: 24 left.
    expect([...r.state.responses.keys()]).toEqual(['2:1', '3:2']);
    expect(r.state.responseValueBytes).toBe(24);
    expect(r.state.sessions.get(1)!.floor).toBe(1);
    expect(r.state.sessions.get(3)!.floor).toBe(1);
    // A write under the evicted number is refused; a read would be served (it takes no slot).
    expect(answered(r.step(request(command(1, put('k', 'x'), 1))))[0]![2]).toMatchObject({
      refused: 'request-too-old',
    });
  });
});

describe('commands too large for a batch', () => {
  it('one over LIMITS.commandJsonBytesMax that reaches the role is ignored with a note', () => {
    const r = new ReplicaHarness();
    const half = 'x'.repeat(40_000);
    const huge = command(1, { kind: 'cas', key: 'k', expected: half, value: half });
    const result = r.step(request(huge));
    expect(sentOf(result, 'propose')).toEqual([]);
    expect(r.state.requests.size).toBe(0);
    expect(result.notes?.join()).toMatch(/JSON bytes ignored/);
    expect(r.state.counters.oversizedIgnored).toBe(1);
  });
});

describe('withdraw', () => {
  it('drops a command that is only pending, keeps one already proposed', () => {
    const r = new ReplicaHarness(replicaConfig({ windowSlots: 1, batchMaxCommands: 1 }));
    r.step(request(command(1), command(2)));
    expect(r.state.proposedSlotOf.get('1:1')).toBe(1);
    r.step(withdraw(2));
    expect(r.state.requests.size).toBe(0);
    const kept = r.step(withdraw(1));
    expect(kept.notes).toEqual(['withdraw of 1:1: already proposed at slot 1']);
    expect(r.state.proposals.get(1)!.commands).toEqual([command(1)]);
    expect(r.state.counters.withdrawn).toBe(1);
  });

  it('drops a command held for its registration', () => {
    const r = new ReplicaHarness();
    r.step(request(command(1, put('k', 'v'), sessionIdOf(5, 0))));
    r.step(withdraw(1, sessionIdOf(5, 0)));
    expect(r.state.awaitingRegistration.size).toBe(0);
  });
});

const sessionRows = (state: ReplicaState) =>
  [...state.sessions.values()]
    .map((s) => [s.id, s.lastActiveSlot, s.floor, [...s.answers.keys()].sort()])
    .sort((a, b) => (a[0] as number) - (b[0] as number));

describe('sessions survive recovery alike', () => {
  it('a replica recovered from snapshot parts, or from decisions alone, equals the live one', () => {
    const config = replicaConfig({
      sessionsMax: 3,
      responsesPerSession: 2,
      responseCacheJsonBytesMax: 64,
      snapshotEverySlots: 3,
    });
    const r = new ReplicaHarness(config);
    const fromDecisions = new ReplicaHarness(
      replicaConfig({ ...config, snapshotEverySlots: 1000 }),
    );
    let slot = 1;
    for (let round = 0; round < 6; round++) {
      const s = sessionIdOf(slot, 0);
      const batches = [
        batch(`replica-1:1:${slot}`, register(round + 1)),
        batch(
          `replica-1:1:${slot + 1}`,
          command(1, put(`k${round}`, 'x'.repeat(round)), s),
          command(1, { kind: 'get', key: 'k0' }, 1),
        ),
        batch(
          `replica-1:1:${slot + 2}`,
          command(2, { kind: 'get', key: `k${round}` }, s),
          command(round + 1, put('z', 'y'), 2),
        ),
      ];
      for (const b of batches) {
        r.step(decision(slot, b));
        fromDecisions.step(decision(slot, b));
        slot += 1;
      }
    }
    const live = r.state;
    for (const restarted of [r.restart().state, fromDecisions.restart().state]) {
      expect(replicaStateDigest(restarted)).toBe(replicaStateDigest(live));
      expect([...restarted.responses.keys()]).toEqual([...live.responses.keys()]);
      expect(restarted.responseValueBytes).toBe(live.responseValueBytes);
      expect(restarted.kvBytes).toBe(live.kvBytes);
      // (Sessions tied on lastActiveSlot may sit in another order: eviction reads only the ids.)
      expect(sessionRows(restarted)).toEqual(sessionRows(live));
    }
    expect(live.counters.sessionsEvicted).toBeGreaterThan(0);
    expect(live.counters.answersEvicted).toBeGreaterThan(0);
  });
});
