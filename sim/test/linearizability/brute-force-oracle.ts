import { type KvStore, applyOp } from '@paxos/shared';
import type { HistoryOperation } from '../../src/linearizability';

/**
 * The definition of linearizability, checked the slow way for tiny histories: try every
 * order of every subset that holds all completed ops (pending ones may be left out), and
 * accept if one respects real time (an op that returned before another was called goes
 * first; touching intervals may go either way) and reproduces every reply.
 */
export function isLinearizableByBruteForce(history: readonly HistoryOperation[]): boolean {
  const byKey = new Map<string, HistoryOperation[]>();
  for (const op of history) byKey.set(op.input.key, [...(byKey.get(op.input.key) ?? []), op]);
  return [...byKey.values()].every((ops) => someOrderWorks(ops, [], new Set()));
}

function someOrderWorks(
  ops: readonly HistoryOperation[],
  order: HistoryOperation[],
  used: Set<number>,
): boolean {
  if (ops.every((op, index) => used.has(index) || op.output === null) && replays(order)) {
    return true;
  }
  return ops.some((op, index) => {
    if (used.has(index)) return false;
    const mustWait = ops.some(
      (other, j) => !used.has(j) && j !== index && other.return !== null && other.return < op.call,
    );
    if (mustWait) return false;
    used.add(index);
    order.push(op);
    const works = someOrderWorks(ops, order, used);
    order.pop();
    used.delete(index);
    return works;
  });
}

function replays(order: readonly HistoryOperation[]): boolean {
  const store: KvStore = new Map();
  return order.every((op) => {
    const result = applyOp(store, op.input);
    return op.output === null || (op.output.ok === result.ok && op.output.value === result.value);
  });
}
