import { applyOp, utf8Bytes, type KvStore, type Op, type OpResult } from '@paxos/shared';
import type { ReplicaState } from './state';

/** What a write past the quota answers: nothing changed. */

/**
 * Runs `op` on the store within its quota: a put or cas that would add a key past kvKeysMax,
 * or grow the store's keys and values past kvBytesMax (UTF-8), is refused and changes nothing.
 * A write that does not grow the store is always allowed, so a store at its quota can still be
 * overwritten in place and shrunk. The byte total is kept as writes happen, never recounted.
 * Deterministic: every replica refuses the same writes.
 */
export function applyWithinQuota(state: ReplicaState, op: Op): OpResult {
  // Reads change nothing (a list has no key of its own).
  if (op.kind === 'get' || op.kind === 'list') return applyOp(state.kv, op);
  const before = state.kv.get(op.key);
  const writes =
    op.kind === 'put' || (op.kind === 'cas' && (before ?? null) === op.expected) ? op : null;
  if (writes) {
    const delta =
      utf8Bytes(writes.value) + (before === undefined ? utf8Bytes(op.key) : -utf8Bytes(before));
    if (before === undefined && state.kv.size >= state.bounds.kvKeysMax) return refusal();
    if (delta > 0 && state.kvBytes + delta > state.bounds.kvBytesMax) return refusal();
    state.kvBytes += delta;
  } else if (op.kind === 'delete' && before !== undefined) {
    state.kvBytes -= utf8Bytes(op.key) + utf8Bytes(before);
  }
  return applyOp(state.kv, op);
}

/** What a write past the quota answers: nothing changed. */
function refusal(): OpResult {
  return { ok: false, value: null, refused: 'kv-quota-exceeded' };
}

/** The store's size in UTF-8 bytes, counted from scratch (recovery). */
export function kvBytesOf(kv: KvStore): number {
  let bytes = 0;
  for (const [key, value] of kv) bytes += utf8Bytes(key) + utf8Bytes(value);
  return bytes;
}
