import type { HistoryOperation } from './history';

/** An operation of one key's sub-history; `id` is its index in the whole history. */
export type KeyOperation = HistoryOperation & { id: number };

export interface KeyHistory {
  key: string;
  ops: KeyOperation[];
}

/**
 * Every KV op touches exactly one key and linearizability is compositional (Herlihy & Wing),
 * so the history is linearizable iff each key's sub-history is. Keys come out sorted (by code
 * unit, not locale) so the first failing key reported is the same on every machine.
 */
export function partitionByKey(history: readonly HistoryOperation[]): KeyHistory[] {
  const byKey = new Map<string, KeyOperation[]>();
  history.forEach((op, id) => {
    const ops = byKey.get(op.input.key) ?? [];
    ops.push({ ...op, id });
    byKey.set(op.input.key, ops);
  });
  return [...byKey.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => ({ key, ops: byKey.get(key) ?? [] }));
}
