import { performance } from 'node:perf_hooks';
import { explainViolation } from './explain';
import { type HistoryOperation, parseHistory } from './history';
import { partitionByKey } from './key-history';
import { withoutIrrelevantPendingOps } from './prune-pending';
import { searchKey } from './search';

export interface CheckOptions {
  /** Budget for the whole history, all keys together. */
  timeoutMs?: number;
}

export interface CheckResult {
  /** 'unknown' only when the time budget ran out before a verdict. */
  linearizable: boolean | 'unknown';
  failingKey?: string;
  explanation?: string;
  keysChecked: number;
  statesExplored: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;

/**
 * Is this key-value history linearizable? Each key is checked on its own, in sorted order;
 * the first key with no linearization decides the verdict and is explained.
 * Throws `InvalidHistoryError` for malformed input.
 */
export function checkLinearizable(
  history: readonly HistoryOperation[],
  options: CheckOptions = {},
): CheckResult {
  const valid = parseHistory(history);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const deadlineMs = performance.now() + timeoutMs;
  const outOfTime = (): boolean => performance.now() >= deadlineMs;
  const keys = partitionByKey(valid);
  let keysChecked = 0;
  let statesExplored = 0;

  for (const { key, ops: allOps } of keys) {
    const ops = withoutIrrelevantPendingOps(allOps);
    const outcome = outOfTime() ? undefined : searchKey(ops, outOfTime);
    statesExplored += outcome?.statesExplored ?? 0;
    if (outcome === undefined || outcome.kind === 'out-of-time') {
      const explanation = `ran out of the ${timeoutMs} ms budget at key ${JSON.stringify(key)}, with ${keysChecked} of ${keys.length} keys checked`;
      return { linearizable: 'unknown', explanation, keysChecked, statesExplored };
    }
    keysChecked += 1;
    if (outcome.kind === 'violation') {
      const explanation = explainViolation(
        key,
        ops,
        outcome.deadEnd,
        outOfTime,
        allOps.length - ops.length,
      );
      return { linearizable: false, failingKey: key, explanation, keysChecked, statesExplored };
    }
  }
  return { linearizable: true, keysChecked, statesExplored };
}
