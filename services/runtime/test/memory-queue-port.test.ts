import { MemoryQueue } from '../src/memory-queue-port';
import type { StepCommit } from '../src/queue-port';

/** The in-memory queue keeps the SQL's rules, so tests and the benchmark see what production does. */

function commit(
  epoch: number,
  writeSeq: number,
  value: unknown,
  extra: Partial<StepCommit> = {},
): StepCommit {
  return {
    processId: 'acceptor-0',
    epoch,
    writeSeq,
    acks: [],
    puts: [{ key: 'ballot', slot: null, value }],
    truncateBelow: 0,
    sends: [],
    ...extra,
  };
}

describe('ordered state writes', () => {
  it('a replayed older commit changes nothing; a newer epoch always wins', () => {
    let now = 0;
    const q = new MemoryQueue(() => now);
    q.claimEpoch('acceptor-0', 'h1', 1_000);
    expect(q.stepCommit(commit(1, 1, 'first')).fenced).toBe(true);
    expect(q.stepCommit(commit(1, 3, 'third')).fenced).toBe(true);
    // The second commit's first attempt stalled and lands now, after the third.
    expect(q.stepCommit(commit(1, 2, 'second')).fenced).toBe(true);
    expect(q.durable.get('acceptor-0')?.get('ballot')?.value).toBe('third');
    now += 2_000;
    q.claimEpoch('acceptor-0', 'h2', 1_000);
    expect(q.stepCommit(commit(2, 1, 'new incarnation')).fenced).toBe(true);
    expect(q.durable.get('acceptor-0')?.get('ballot')?.value).toBe('new incarnation');
    expect(q.stepCommit(commit(1, 9, 'zombie')).fenced).toBe(false);
    expect(q.durable.get('acceptor-0')?.get('ballot')?.value).toBe('new incarnation');
  });

  it('applies "put, then truncate": a put below the horizon is deleted with any older entry of its key', () => {
    const q = new MemoryQueue();
    q.claimEpoch('acceptor-0', 'h', 1_000);
    q.stepCommit(
      commit(1, 1, 'x', {
        puts: [
          { key: 'k', slot: 9, value: 'old' },
          { key: 'a', slot: 2, value: 'a' },
        ],
      }),
    );
    q.stepCommit(
      commit(1, 2, 'x', {
        puts: [
          { key: 'k', slot: 2, value: 'new' },
          { key: 'b', slot: 7, value: 'b' },
        ],
        truncateBelow: 5,
      }),
    );
    expect([...q.durable.get('acceptor-0')!.keys()].sort()).toEqual(['b']);
  });
});

describe('the epoch lease', () => {
  it('is granted to a new holder only once the holder lapses or hands it back', async () => {
    let now = 0;
    const q = new MemoryQueue(() => now);
    const port = q.port();
    expect(await port.claimEpoch({ processId: 'p', holder: 'a', leaseMs: 1_000 })).toEqual({
      granted: true,
      epoch: 1,
      retryInMs: 0,
    });
    now = 400;
    expect(await port.claimEpoch({ processId: 'p', holder: 'b', leaseMs: 1_000 })).toEqual({
      granted: false,
      epoch: 1,
      retryInMs: 600,
    });
    expect(
      await port.renewEpoch({ processId: 'p', epoch: 1, leaseMs: 1_000, timeoutMs: 100 }),
    ).toBe(true);
    now = 1_300;
    expect((await port.claimEpoch({ processId: 'p', holder: 'b', leaseMs: 1_000 })).granted).toBe(
      false,
    );
    now = 1_401;
    expect(await port.claimEpoch({ processId: 'p', holder: 'b', leaseMs: 1_000 })).toEqual({
      granted: true,
      epoch: 2,
      retryInMs: 0,
    });
    expect(
      await port.renewEpoch({ processId: 'p', epoch: 1, leaseMs: 1_000, timeoutMs: 100 }),
    ).toBe(false);
    await port.releaseEpoch({ processId: 'p', epoch: 2 });
    expect((await port.claimEpoch({ processId: 'p', holder: 'c', leaseMs: 1_000 })).granted).toBe(
      true,
    );
  });
});

describe('queue release', () => {
  it('hands messages back without counting the delivery as an attempt', async () => {
    const q = new MemoryQueue();
    const port = q.port(1);
    q.push('d', 'm', 'id-1');
    const [first] = await port.claim({ dst: 'd', owner: 'o', limit: 1, leaseMs: 1_000 });
    expect(first!.attempts).toBe(1);
    await port.release('o', ['id-1']);
    const [again] = await port.claim({ dst: 'd', owner: 'o', limit: 1, leaseMs: 1_000 });
    expect(again!.attempts).toBe(1);
  });
});

describe('retention', () => {
  it('removes old rows for destinations nobody claims and old dead letters, and counts what is left', async () => {
    let now = 0;
    const q = new MemoryQueue(() => now);
    const port = q.port(1);
    q.claimEpoch('acceptor-0', 'h', 1_000);
    q.push('acceptor-0', 'kept: a known destination');
    q.push('ghost', 'old');
    q.push('acceptor-0', 'poison', 'p');
    await port.claim({ dst: 'acceptor-0', owner: 'acceptor-0#1', limit: 10, leaseMs: 1_000 });
    await port.deadLetter('acceptor-0#1', 'p', 'invalid-json: test');
    now = 5_000;
    q.push('ghost', 'new');
    expect(
      await port.retention({ unknownAfterMs: 1_000, deadLetterAfterMs: 1_000, batchLimit: 10 }),
    ).toEqual({
      removedUnknown: 1,
      removedDeadLetters: 1,
      unknownRows: 1,
      deadLetterRows: 0,
    });
    expect(q.depth('acceptor-0')).toBe(1);
  });
});
