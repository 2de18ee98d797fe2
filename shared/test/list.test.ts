import {
  LIMITS,
  MessageSchema,
  OpSchema,
  SnapshotPartSchema,
  applyOp,
  isReadOnly,
  jsonBytes,
  opDigest,
  type KvStore,
  type ListOp,
} from '@paxos/shared';

/** The `list` operation (command.ts, kv.ts): a range or prefix read decided through the log. */

const store = (entries: Array<[string, string]>): KvStore => new Map(entries);
const keysOf = (op: ListOp, kv: KvStore) => applyOp(kv, op).entries?.map((e) => e.key);

describe('list', () => {
  const kv = store([
    ['b/2', 'x'],
    ['a', 'x'],
    ['b/1', 'x'],
    ['b', 'x'],
    ['c', 'x'],
    ['b/10', 'x'],
  ]);

  it('answers a prefix, or a range [start, end), in key order', () => {
    expect(keysOf({ kind: 'list', prefix: 'b/' }, kv)).toEqual(['b/1', 'b/10', 'b/2']);
    expect(keysOf({ kind: 'list', start: 'b', end: 'c' }, kv)).toEqual(['b', 'b/1', 'b/10', 'b/2']);
    expect(keysOf({ kind: 'list', start: 'b/2' }, kv)).toEqual(['b/2', 'c']);
    expect(keysOf({ kind: 'list' }, kv)).toEqual(['a', 'b', 'b/1', 'b/10', 'b/2', 'c']);
    expect(applyOp(kv, { kind: 'list', prefix: 'z' })).toEqual({
      ok: true,
      value: null,
      entries: [],
      more: false,
    });
  });

  it('stops at its limit and says more are left', () => {
    const result = applyOp(kv, { kind: 'list', prefix: 'b', limit: 2 });
    expect(result.entries).toEqual([
      { key: 'b', value: 'x' },
      { key: 'b/1', value: 'x' },
    ]);
    expect(result.more).toBe(true);
    expect(applyOp(kv, { kind: 'list', prefix: 'b', limit: 4 }).more).toBe(false);
  });

  it('keeps the first `limit` keys of a large store, never sorting the whole of it', () => {
    const big: KvStore = new Map();
    for (let i = 9_999; i >= 0; i--) big.set(`k${String(i).padStart(5, '0')}`, 'v');
    const result = applyOp(big, { kind: 'list', prefix: 'k', limit: 3 });
    expect(result.entries?.map((e) => e.key)).toEqual(['k00000', 'k00001', 'k00002']);
    expect(result.more).toBe(true);
  });

  it('stops at LIMITS.listResultJsonBytesMax; the largest answer fits a response and a snapshot part', () => {
    const value = '"'.repeat(LIMITS.valueJsonBytesMax / 2 - 1);
    const large: KvStore = new Map();
    for (let i = 0; i < 10; i++) large.set(`${i}`.padEnd(LIMITS.keyCharsMax, '\\'), value);
    const result = applyOp(large, { kind: 'list', limit: LIMITS.listEntriesMax });
    expect(result.entries!.length).toBeGreaterThanOrEqual(1);
    expect(result.more).toBe(true);
    expect(jsonBytes(result.entries)).toBeLessThanOrEqual(LIMITS.listResultJsonBytesMax);
    const response = {
      type: 'response',
      from: 'replica-'.padEnd(128, '9'),
      sessionId: Number.MAX_SAFE_INTEGER,
      requestId: Number.MAX_SAFE_INTEGER,
      slot: Number.MAX_SAFE_INTEGER,
      result,
      opDigest: opDigest({ kind: 'list' }),
    };
    expect(MessageSchema.safeParse(response).success).toBe(true);
    expect(jsonBytes(response)).toBeLessThanOrEqual(LIMITS.messageJsonBytesMax);
    const part = {
      slotOut: Number.MAX_SAFE_INTEGER,
      part: LIMITS.snapshotPartsMax,
      kv: [],
      sessions: [],
      answers: [{ ...response, sessionId: 1 }].map(
        ({ sessionId, requestId, slot, result, opDigest }) => ({
          sessionId,
          requestId,
          slot,
          result,
          opDigest,
        }),
      ),
    };
    expect(SnapshotPartSchema.safeParse(part).success).toBe(true);
    expect(jsonBytes(part)).toBeLessThanOrEqual(LIMITS.snapshotPartJsonBytesMax);
  });

  it('is a read, validated at the boundary, with a digest of its own', () => {
    expect(isReadOnly({ kind: 'list', prefix: 'a' })).toBe(true);
    expect(OpSchema.safeParse({ kind: 'list', prefix: 'a', start: 'b' }).success).toBe(false);
    expect(OpSchema.safeParse({ kind: 'list', limit: LIMITS.listEntriesMax + 1 }).success).toBe(
      false,
    );
    expect(OpSchema.safeParse({ kind: 'list', limit: 0 }).success).toBe(false);
    expect(OpSchema.safeParse({ kind: 'list', prefix: '\u0000' }).success).toBe(false);
    expect(OpSchema.safeParse({ kind: 'list', start: 'a', end: 'b', limit: 5 }).success).toBe(true);
    const digests = new Set(
      [
        { kind: 'list' as const },
        { kind: 'list' as const, prefix: '' },
        { kind: 'list' as const, start: '' },
        { kind: 'list' as const, end: '' },
        { kind: 'list' as const, prefix: 'a', limit: 1 },
        { kind: 'list' as const, prefix: 'a', limit: 2 },
      ].map(opDigest),
    );
    expect(digests.size).toBe(6);
  });
});
