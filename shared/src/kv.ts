import type { Op, OpResult } from './command';

/** The replicated application: a key-value store. Pure: `applyOp` mutates only `store`. */
export type KvStore = Map<string, string>;

export function applyOp(store: KvStore, op: Op): OpResult {
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

export const isReadOnly = (op: Op): boolean => op.kind === 'get';

/** A stable digest input: the store's entries sorted by key. */
export function kvEntries(store: KvStore): Array<[string, string]> {
  return [...store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
