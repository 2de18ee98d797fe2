import type { KeyOperation } from './key-history';
import type { TimelineEvent } from './timeline';

export const NO_TWIN = -1;

/**
 * For each pending op, the pending op with the identical input called just before it
 * (NO_TWIN if none). Identical pending ops are interchangeable, and the earlier-called one
 * can go anywhere the later one can; so the search only ever places them in call order,
 * which turns 2^k subsets of k twins into k + 1 choices.
 */
export function earlierPendingTwins(
  ops: readonly KeyOperation[],
  events: readonly TimelineEvent[],
): Int32Array {
  const twins = new Int32Array(ops.length).fill(NO_TWIN);
  const latestByInput = new Map<string, number>();
  for (const event of events) {
    const op = ops[event.op];
    if (event.kind !== 'call' || op === undefined || op.output !== null) continue;
    const input = JSON.stringify(op.input);
    twins[event.op] = latestByInput.get(input) ?? NO_TWIN;
    latestByInput.set(input, event.op);
  }
  return twins;
}
