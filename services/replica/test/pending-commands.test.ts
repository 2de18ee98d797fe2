import type { Response } from '@paxos/shared';
import { PendingCommands, type CommandId } from '../src/service/pending-commands';

const response = (sessionId: number, requestId: number): Response => ({
  type: 'response',
  from: 'replica-0',
  sessionId,
  requestId,
  slot: 1,
  result: { ok: true, value: null },
  opDigest: '0000000000000000',
});

describe('PendingCommands', () => {
  it('answers every waiter of one command, times out the others at the sweep, and reports orphans', async () => {
    let now = 0;
    const orphans: CommandId[] = [];
    const pending = new PendingCommands(
      { commandsMax: 10, bytesMax: 1_000 },
      (id) => orphans.push(id),
      () => now,
    );
    const outcomes: string[] = [];
    const hold = (label: string, sessionId: number, requestId: number) => {
      const room = pending.reserve(10)!;
      void room
        .wait({ sessionId, requestId }, 100)
        .then((o) => outcomes.push(`${label}:${o.kind}`));
      return room;
    };
    hold('a1', 1, 1);
    hold('a1-retry', 1, 1);
    hold('b1', 2, 1);
    pending.answer(response(1, 1));
    now = 99;
    pending.sweep();
    expect(pending.size).toBe(1);
    now = 100;
    pending.sweep();
    expect(pending.size).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(outcomes.sort()).toEqual(['a1-retry:answered', 'a1:answered', 'b1:timeout']);
    // Answered commands are not orphans; the one that timed out is.
    expect(orphans).toEqual([{ sessionId: 2, requestId: 1 }]);
  });

  it('reports an orphan only when the last waiter of a command goes', () => {
    const orphans: CommandId[] = [];
    const pending = new PendingCommands({ commandsMax: 10, bytesMax: 1_000 }, (id) =>
      orphans.push(id),
    );
    const first = pending.reserve(1)!;
    const second = pending.reserve(1)!;
    void first.wait({ sessionId: 3, requestId: 9 }, 10_000);
    void second.wait({ sessionId: 3, requestId: 9 }, 10_000);
    first.abandon();
    expect(orphans).toEqual([]);
    second.abandon();
    second.abandon();
    expect(orphans).toEqual([{ sessionId: 3, requestId: 9 }]);
    expect(pending.size).toBe(0);
  });

  // [name, bounds, reservations in bytes, which are granted]
  const admissions: Array<
    [string, { commandsMax: number; bytesMax: number }, number[], boolean[]]
  > = [
    ['by count', { commandsMax: 2, bytesMax: 1_000 }, [1, 1, 1], [true, true, false]],
    ['by bytes', { commandsMax: 10, bytesMax: 100 }, [60, 50, 40], [true, false, true]],
    [
      'exactly at the byte bound',
      { commandsMax: 10, bytesMax: 100 },
      [60, 40, 1],
      [true, true, false],
    ],
  ];
  it.each(admissions)('admits within its bounds: %s', (_name, bounds, sizes, granted) => {
    const pending = new PendingCommands(bounds);
    expect(sizes.map((b) => pending.reserve(b) !== null)).toEqual(granted);
  });

  it('gives the room back on release (once) and when a body is smaller than reserved', () => {
    const pending = new PendingCommands({ commandsMax: 2, bytesMax: 100 });
    const room = pending.reserve(100)!;
    expect(pending.reserve(1)).toBeNull();
    room.shrinkTo(30);
    expect(pending.heldBytes).toBe(30);
    const other = pending.reserve(70)!;
    expect(other).not.toBeNull();
    room.release();
    room.release();
    expect([pending.held, pending.heldBytes]).toEqual([1, 70]);
    other.release();
    expect([pending.held, pending.heldBytes]).toEqual([0, 0]);
  });
});
