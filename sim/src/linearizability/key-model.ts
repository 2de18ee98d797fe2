import { type KeyOp, type KvStore, type OpResult, applyOp } from '@paxos/shared';

/** The sequential specification of one key: its value, or null while absent. */
export type KeyState = string | null;

/**
 * Runs `op` against a store holding just this key, through shared's `applyOp`, so the
 * checker's idea of a correct reply can never drift from what a replica really computes.
 * `scratch` lets a hot loop reuse one store instead of allocating a map per step.
 */
export function stepKey(
  state: KeyState,
  op: KeyOp,
  scratch: KvStore = new Map(),
): { result: OpResult; next: KeyState } {
  const store = scratch;
  store.clear();
  if (state !== null) store.set(op.key, state);
  const result = applyOp(store, op);
  return { result, next: store.get(op.key) ?? null };
}

export const resultsEqual = (a: OpResult, b: OpResult): boolean =>
  a.ok === b.ok && a.value === b.value;

/** May `op` take effect in `state`? A pending op (no reply) fits anywhere. */
export function fits(state: KeyState, op: KeyOp, output: OpResult | null): boolean {
  return output === null || resultsEqual(stepKey(state, op).result, output);
}
