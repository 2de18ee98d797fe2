import { replicaRole } from '@paxos/replica';
import { LIMITS, jsonBytes, type Command } from '@paxos/shared';
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

/** Applies decided no-op batches at `slots`, in the given order, one step each. */
function decide(r: ReplicaHarness, slots: number[]): number[][] {
  return slots.map((slot) =>
    sentOf(r.step(decision(slot, batch(`other:${slot}`))), 'progress').map(
      (e) => e.message.slotOut,
    ),
  );
}

describe('replica progress reports (garbage collection)', () => {
  // [name, gcReportEverySlots, slots decided in order, progress slotOuts sent by each step]
  const reports: Array<[string, number | undefined, number[], number[][]]> = [
    ['every 2 slots: at slotOut 3 and 5', 2, [1, 2, 3, 4], [[], [3, 3], [], [5, 5]]],
    [
      'every slot',
      1,
      [1, 2],
      [
        [2, 2],
        [3, 3],
      ],
    ],
    ['a jump of several slots in one step is one report', 2, [3, 2, 1], [[], [], [4, 4]]],
    ['nothing before the threshold', 3, [1, 2], [[], []]],
    [
      'the default is 64 slots',
      undefined,
      Array.from({ length: 64 }, (_, i) => i + 1),
      [...Array.from({ length: 63 }, () => []), [65, 65]],
    ],
  ];
  it.each(reports)('%s', (_name, gcReportEverySlots, slots, expected) => {
    const r = new ReplicaHarness(replicaConfig({ gcReportEverySlots }));
    expect(decide(r, slots)).toEqual(expected);
  });

  it('reports go to every leader', () => {
    const r = new ReplicaHarness(replicaConfig({ gcReportEverySlots: 1 }));
    const result = r.step(decision(1, batch('a')));
    expect(sentOf(result, 'progress')).toEqual(
      ['leader-0', 'leader-1'].map((to) => ({
        to,
        // A plain report: the replica is not blocked and needs no decisions re-sent.
        message: { type: 'progress', from: 'replica-0', slotOut: 2, wantsDecisions: false },
      })),
    );
  });

  // [name, slots decided, deadline after them, progress slotOut reported by the tick]
  const idle: Array<[string, number[], number | null, number | null]> = [
    ['nothing applied: no deadline, nothing to say', [], null, null],
    ['everything applied was reported: stays idle', [1, 2], null, null],
    ['the remainder below the threshold is reported by the tick', [1, 2, 3], 100, 4],
  ];
  it.each(idle)('idle tick: %s', (_name, slots, deadline, reported) => {
    const r = new ReplicaHarness(replicaConfig({ gcReportEverySlots: 2 }));
    decide(r, slots);
    expect(replicaRole.nextDeadline(r.state)).toBe(deadline);
    const tick = r.tick(100);
    const sent = sentOf(tick, 'progress').map((e) => e.message.slotOut);
    expect(sent).toEqual(reported === null ? [] : [reported, reported]);
    expect(tick.send).toHaveLength(sent.length);
    // Afterwards the replica is silent until something changes.
    expect(replicaRole.nextDeadline(r.state)).toBeNull();
  });

  it('a restarted replica reports its recovered slotOut once (leaders keep reports in memory)', () => {
    const r = new ReplicaHarness(replicaConfig({ gcReportEverySlots: 2, snapshotEverySlots: 2 }));
    decide(r, [1, 2, 3, 4]);
    const restarted = r.restart();
    // Only the note to its own watch feed.
    expect(restarted.last.send.map((e) => e.message.type)).toEqual(['applied']);
    expect(replicaRole.nextDeadline(restarted.state)).toBe(100);
    expect(sentOf(restarted.tick(100), 'progress').map((e) => e.message.slotOut)).toEqual([5, 5]);
    expect(replicaRole.nextDeadline(restarted.state)).toBeNull();
  });

  it('rejects a report interval or batch size it cannot use', () => {
    expect(() => new ReplicaHarness(replicaConfig({ gcReportEverySlots: 0 }))).toThrow(
      /gcReportEverySlots/,
    );
    expect(() => new ReplicaHarness(replicaConfig({ batchMaxBytes: 1.5 }))).toThrow(
      /batchMaxBytes/,
    );
    // Every message carrying a batch is sized for at most LIMITS.batchJsonBytesMax of it.
    expect(
      () => new ReplicaHarness(replicaConfig({ batchMaxBytes: LIMITS.batchJsonBytesMax + 1 })),
    ).toThrow(/batchMaxBytes must be at most/);
  });
});

describe('replica batches are bounded by size', () => {
  const sized = (i: number, value: string): Command => command(i, put('k', value));
  const ascii = (chars: number) => 'v'.repeat(chars);
  const one = jsonBytes(sized(1, ascii(100)));
  /** A batch's commands as JSON: the array's brackets, the commands and their commas. */
  const arrayBytes = (n: number) => n * one + (n - 1) + 2;

  // [name, batchMaxCommands, batchMaxBytes, each command's value, commands per slot]
  const cases: Array<[string, number, number | undefined, string[], number[]]> = [
    ['two fit exactly', 10, arrayBytes(2), Array(5).fill(ascii(100)), [2, 2, 1]],
    [
      'one byte short of two: one each',
      10,
      arrayBytes(2) - 1,
      Array(3).fill(ascii(100)),
      [1, 1, 1],
    ],
    ['the count limit still applies', 2, arrayBytes(100), Array(3).fill(ascii(100)), [2, 1]],
    ['a command above the limit goes alone', 10, 50, [ascii(100), ascii(100)], [1, 1]],
    [
      'a large command ends a batch of small ones',
      10,
      one + 60,
      [ascii(1), ascii(100), ascii(1)],
      [1, 1, 1],
    ],
    // Two-byte characters: 100 of them are 200 bytes, so two such commands do not fit.
    [
      'UTF-8 bytes count, not characters',
      10,
      arrayBytes(2),
      ['é'.repeat(100), 'é'.repeat(100)],
      [1, 1],
    ],
    // 40 KB values: three fit in 128 KiB, four do not.
    [
      'the default is LIMITS.batchJsonBytesMax',
      10,
      undefined,
      Array(5).fill(ascii(40_000)),
      [3, 2],
    ],
  ];
  it.each(cases)('%s', (_name, batchMaxCommands, batchMaxBytes, values, perSlot) => {
    const r = new ReplicaHarness(
      replicaConfig({ windowSlots: 8, batchMaxCommands, batchMaxBytes }),
    );
    const commands = values.map((value, i) => sized(i + 1, value));
    r.step(request(...commands));
    const batches = [...r.state.proposals.values()];
    expect(batches.map((b) => b.commands.length)).toEqual(perSlot);
    // Oldest first, nothing lost or repeated.
    expect(batches.flatMap((b) => b.commands)).toEqual(commands);
    for (const b of batches) {
      const limit = batchMaxBytes ?? LIMITS.batchJsonBytesMax;
      if (b.commands.length > 1) expect(jsonBytes(b.commands)).toBeLessThanOrEqual(limit);
    }
  });
});
