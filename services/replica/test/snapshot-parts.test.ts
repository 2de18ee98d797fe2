import {
  CorruptStateError,
  LIMITS,
  applyPersist,
  jsonBytes,
  type DurableEntry,
  type PersistOp,
} from '@paxos/shared';
import { replicaRole, replicaStateDigest } from '@paxos/replica';
import { ReplicaHarness, batch, command, decision, put, replicaConfig } from './support/harness';

/** 60 KB values: about two per part, as in the report of issue 17 (24 puts of 60 KB). */
const big = (i: number) => String(i % 10).repeat(60_000);

/** A replica that applied `puts` large puts, one slot each, snapshotting every `every` slots. */
function loaded(puts: number, every: number): { r: ReplicaHarness; writes: PersistOp[][] } {
  const r = new ReplicaHarness(replicaConfig({ snapshotEverySlots: every }));
  const writes: PersistOp[][] = [];
  for (let slot = 1; slot <= puts; slot++) {
    const result = r.step(
      decision(slot, batch(`replica-1:1:${slot}`, command(slot, put(`key-${slot}`, big(slot))))),
    );
    if (result.persistLater) writes.push(result.persistLater);
  }
  return { r, writes };
}

const corrupt = (durable: Map<string, DurableEntry>) => () =>
  replicaRole.recover(replicaConfig(), durable, 0);

describe('a snapshot is split into parts', () => {
  it('writes parts within the part limit, then the head, then the truncation', () => {
    const { r, writes } = loaded(24, 24);
    expect(writes).toHaveLength(1);
    const ops = writes[0]!;
    const parts = ops.slice(0, -2);
    expect(parts.length).toBeGreaterThan(10);
    parts.forEach((op, i) => {
      expect(op).toMatchObject({ op: 'put', key: `snapshot:25:${i}`, slot: 25 });
      if (op.op === 'put')
        expect(jsonBytes(op.value)).toBeLessThanOrEqual(LIMITS.snapshotPartJsonBytesMax);
    });
    expect(ops.slice(-2)).toEqual([
      {
        op: 'put',
        key: 'snapshot',
        slot: null,
        value: { slotOut: 25, parts: parts.length, watchFromSlot: 1 },
      },
      { op: 'truncate', belowSlot: 25 },
    ]);
    const restarted = r.restart();
    expect(restarted.state.slotOut).toBe(25);
    expect(replicaStateDigest(restarted.state)).toBe(replicaStateDigest(r.state));
    expect(restarted.state.kvBytes).toBe(r.state.kvBytes);
  });

  it('the next snapshot`s truncation removes the previous one`s parts', () => {
    const { r } = loaded(8, 4);
    const partKeys = [...r.durable.keys()].filter((k) => k.startsWith('snapshot:'));
    expect(partKeys.length).toBeGreaterThan(1);
    expect(partKeys.every((k) => k.startsWith('snapshot:9:'))).toBe(true);
    expect(replicaStateDigest(r.restart().state)).toBe(replicaStateDigest(r.state));
  });

  it('a crash after some parts, before the head, recovers from the old head and the decisions', () => {
    const { r } = loaded(4, 4);
    let crashed = new Map(r.durable);
    for (let slot = 5; slot <= 8; slot++) {
      const step = r.step(
        decision(slot, batch(`replica-1:1:${slot}`, command(slot, put(`key-${slot}`, big(slot))))),
      );
      crashed = applyPersist(crashed, step.persist);
      // Slot 8 snapshots; only its first part lands before the crash.
      if (slot === 8) crashed = applyPersist(crashed, step.persistLater!.slice(0, 1));
    }
    expect(crashed.get('snapshot')!.value).toEqual({
      slotOut: 5,
      parts: expect.any(Number),
      watchFromSlot: 1,
    });
    expect(crashed.has('snapshot:9:0')).toBe(true);
    const recovered = new ReplicaHarness(r.config, crashed);
    expect(recovered.state.slotOut).toBe(9);
    expect(replicaStateDigest(recovered.state)).toBe(replicaStateDigest(r.state));
  });
});

describe('recovery refuses a durable state it cannot read (CorruptStateError naming the row)', () => {
  const { r } = loaded(6, 6);
  const base = () => new Map(r.durable);

  // [name, how to break the durable state, the row named, the problem]
  const cases: Array<[string, (d: Map<string, DurableEntry>) => void, string, RegExp]> = [
    ['a missing part', (d) => d.delete('snapshot:7:1'), 'snapshot:7:1', /missing/],
    [
      'a part with a number where a string belongs',
      (d) => ((d.get('snapshot:7:0')!.value as { kv: unknown[][] }).kv[0]![1] = 5),
      'snapshot:7:0',
      /kv\.0\.1/,
    ],
    [
      'a head with a string where a number belongs',
      (d) => d.set('snapshot', { slot: null, value: { slotOut: '7', parts: 3 } }),
      'snapshot',
      /slotOut/,
    ],
    [
      'a part that is another part',
      (d) => d.set('snapshot:7:1', d.get('snapshot:7:0')!),
      'snapshot:7:1',
      /part 0 of slotOut 7/,
    ],
    [
      'a head without its part count',
      (d) => d.set('snapshot', { slot: null, value: { slotOut: 7 } }),
      'snapshot',
      /parts/,
    ],
    [
      'an unreadable incarnation',
      (d) => d.set('incarnation', { slot: null, value: 'one' }),
      'incarnation',
      /value|number/,
    ],
    [
      'an unreadable decision',
      (d) => d.set('decision:9', { slot: 9, value: { batchId: 7 } }),
      'decision:9',
      /batchId/,
    ],
    [
      'a decision without its slot',
      (d) => d.set('decision:9', { slot: null, value: { batchId: 'b', commands: [] } }),
      'decision:9',
      /slot/,
    ],
  ];
  it.each(cases)('%s', (_name, breakIt, key, problem) => {
    const durable = base();
    // Deep copies, so one case cannot break another's rows.
    for (const [k, v] of durable) durable.set(k, JSON.parse(JSON.stringify(v)) as DurableEntry);
    breakIt(durable);
    let thrown: unknown;
    try {
      corrupt(durable)();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CorruptStateError);
    expect((thrown as CorruptStateError).key).toBe(key);
    expect((thrown as CorruptStateError).message).toMatch(problem);
  });

  it('reads the untouched state back (the cases above fail for their own reason)', () => {
    expect(() => corrupt(base())()).not.toThrow();
  });
});
