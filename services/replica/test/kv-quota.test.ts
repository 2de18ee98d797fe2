import type { Op } from '@paxos/shared';
import { kvBytesOf } from '../src/role/kv-quota';
import {
  ReplicaHarness,
  batch,
  command,
  decision,
  put,
  replicaConfig,
  cas,
  del,
  request,
  sentOf,
} from './support/harness';

const refused = { ok: false, value: null, refused: 'kv-quota-exceeded' };

/** Runs `ops` (one slot each) and returns each answer's result. */
function run(r: ReplicaHarness, ops: Op[]) {
  return ops.map((op, i) => {
    const slot = r.state.slotOut;
    const result = r.step(
      decision(slot, batch(`replica-1:1:${slot}`, command(100 + slot + i, op))),
    );
    return sentOf(result, 'response')[0]!.message.result;
  });
}

describe('the key-value quota', () => {
  // [name, kvKeysMax, kvBytesMax, ops, the results, the store afterwards]
  const cases: Array<[string, number, number, Op[], object[], Array<[string, string]>]> = [
    [
      'a new key past kvKeysMax is refused',
      2,
      1_000,
      [put('a', '1'), put('b', '2'), put('c', '3')],
      [{ ok: true, value: null }, { ok: true, value: null }, refused],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    [
      'an existing key may still be overwritten at kvKeysMax',
      1,
      1_000,
      [put('a', '1'), put('a', '2')],
      [
        { ok: true, value: null },
        { ok: true, value: '1' },
      ],
      [['a', '2']],
    ],
    [
      'keys and values count in UTF-8 bytes: 1 + 2 * 2 = 5 fits 5, one more does not',
      10,
      5,
      [put('a', 'éé'), put('b', '')],
      [{ ok: true, value: null }, refused],
      [['a', 'éé']],
    ],
    [
      'a growing overwrite past kvBytesMax is refused, a shrinking one allowed',
      10,
      4,
      [put('a', 'xyz'), put('a', 'xyzw'), put('a', 'x')],
      [{ ok: true, value: null }, refused, { ok: true, value: 'xyz' }],
      [['a', 'x']],
    ],
    [
      'a delete frees room',
      1,
      1_000,
      [put('a', '1'), del('a'), put('b', '2')],
      [
        { ok: true, value: null },
        { ok: true, value: '1' },
        { ok: true, value: null },
      ],
      [['b', '2']],
    ],
    [
      'a cas that would grow the store past the quota is refused; a failing cas is not',
      1,
      1_000,
      [put('a', '1'), cas('b', null, '2'), cas('b', 'x', '2')],
      [{ ok: true, value: null }, refused, { ok: false, value: null }],
      [['a', '1']],
    ],
  ];
  it.each(cases)('%s', (_name, kvKeysMax, kvBytesMax, ops, results, store) => {
    const r = new ReplicaHarness(replicaConfig({ kvKeysMax, kvBytesMax }));
    expect(run(r, ops)).toEqual(results);
    expect([...r.state.kv]).toEqual(store);
    expect(r.state.kvBytes).toBe(kvBytesOf(r.state.kv));
    expect(r.state.counters.refusedKvQuota).toBe(results.filter((x) => x === refused).length);
  });

  it('a refused write is remembered like any answer: its retry is answered, not run again', () => {
    const r = new ReplicaHarness(replicaConfig({ kvKeysMax: 1 }));
    run(r, [put('a', '1')]);
    r.step(decision(2, batch('replica-1:1:2', command(7, put('b', '2')))));
    r.step(decision(3, batch('replica-1:1:3', command(8, del('a')))));
    const retry = r.step(request(command(7, put('b', '2'))));
    expect(sentOf(retry, 'response')[0]!.message).toMatchObject({ slot: 2, result: refused });
    expect(sentOf(retry, 'propose')).toEqual([]);
    expect(r.state.kv.size).toBe(0);
  });

  it('the byte total survives recovery', () => {
    const r = new ReplicaHarness(replicaConfig({ snapshotEverySlots: 2 }));
    run(r, [put('ключ', 'значение'), put('b', '€'), del('b'), put('c', '😀')]);
    expect(r.state.kvBytes).toBe(8 + 16 + 1 + 4);
    expect(r.restart().state.kvBytes).toBe(r.state.kvBytes);
  });
});
