import type { ListOp, Op, OpResult } from './command';
import { LIMITS, jsonStringBytes } from './limits';

/** The replicated application: a key-value store. Pure: `applyOp` mutates only `store`. */
export type KvStore = Map<string, string>;

export function applyOp(store: KvStore, op: Op): OpResult {
  if (op.kind === 'list') return listEntries(store, op);
  const before = store.get(op.key) ?? null;
  switch (op.kind) {
    case 'get':
      return { ok: true, value: before };
    case 'put':
      store.set(op.key, op.value);
      return { ok: true, value: before };
    case 'delete':
      store.delete(op.key);
      return { ok: true, value: before };
    case 'cas':
      if (before !== op.expected) return { ok: false, value: before };
      store.set(op.key, op.value);
      return { ok: true, value: op.value };
  }
}

export const isReadOnly = (op: Op): boolean => op.kind === 'get' || op.kind === 'list';

/** `{"key":` + `,"value":` + `}` around one entry, and the comma before it. */
const LIST_ENTRY_FRAME_JSON_BYTES = 18;

/** Whether `key` is one a list asks for (command.ts: ListOpSchema). */
export function listIncludes(op: ListOp, key: string): boolean {
  if (op.prefix !== undefined) return key.startsWith(op.prefix);
  return (op.start === undefined || key >= op.start) && (op.end === undefined || key < op.end);
}

/**
 * A list's answer. The store is a hash map, so every key is looked at once; only the matches'
 * first `limit` are kept in order, by sorting whenever the candidates reach twice the limit
 * and cutting them back: O(n + m log limit) for n keys and m matches, never a sort of the
 * whole store. The byte bound cuts the answer short like the limit does (`more`).
 */
export function listEntries(store: KvStore, op: ListOp): OpResult {
  const limit = op.limit ?? LIMITS.listEntriesDefault;
  let candidates: string[] = [];
  let matched = 0;
  for (const key of store.keys()) {
    if (!listIncludes(op, key)) continue;
    matched += 1;
    candidates.push(key);
    if (candidates.length >= 2 * limit + 64)
      candidates = candidates.sort(compareKeys).slice(0, limit);
  }
  candidates.sort(compareKeys);
  const entries: Array<{ key: string; value: string }> = [];
  let bytes = 2;
  for (const key of candidates) {
    if (entries.length === limit) break;
    const value = store.get(key)!;
    const entryBytes = jsonStringBytes(key) + jsonStringBytes(value) + LIST_ENTRY_FRAME_JSON_BYTES;
    if (bytes + entryBytes > LIMITS.listResultJsonBytesMax) break;
    entries.push({ key, value });
    bytes += entryBytes;
  }
  return { ok: true, value: null, entries, more: entries.length < matched };
}

/** Keys in JavaScript's string order (UTF-16 code units): every replica sorts alike. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A stable digest input: the store's entries sorted by key. */
export function kvEntries(store: KvStore): Array<[string, string]> {
  return [...store.entries()].sort(([a], [b]) => compareKeys(a, b));
}
