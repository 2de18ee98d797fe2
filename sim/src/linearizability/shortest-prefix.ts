import type { KeyOperation } from './key-history';
import { lowestFailingIndex } from './lowest-failing';
import { withoutIrrelevantPendingOps } from './prune-pending';
import { type DeadEnd, searchKey } from './search';
import { type TimelineEvent, timelineOf } from './timeline';

export interface FailingPrefix {
  /** The ops called within the prefix; those whose reply comes later are pending here. */
  ops: KeyOperation[];
  /** The op whose return ends the prefix: its reply is what makes the history impossible. */
  culprit: KeyOperation;
  deadEnd: DeadEnd;
}

/**
 * The shortest prefix of the timeline that is already not linearizable. Failure is monotone
 * in the prefix (a linearization of a longer prefix, cut down, is one of the shorter), and
 * only a return can turn a linearizable prefix into a failing one (a new call may just never
 * take effect), so it is found by searching over the return events. `likelyCulprit` (the op
 * the whole-history search got stuck on) is where that search starts: usually it is right.
 * Undefined when time runs out, or if the history turns out to be linearizable.
 */
export function shortestFailingPrefix(
  ops: readonly KeyOperation[],
  likelyCulprit: number,
  outOfTime: () => boolean,
): FailingPrefix | undefined {
  const events = timelineOf(ops);
  const cuts = events.flatMap((event, index) => (event.kind === 'return' ? [index + 1] : []));
  const failures = new Map<number, FailingPrefix>();
  const fails = (cutIndex: number): boolean | undefined => {
    const prefix = prefixOf(ops, events, cuts[cutIndex] ?? events.length);
    const outcome = searchKey(prefix.ops, outOfTime);
    if (outcome.kind === 'out-of-time') return undefined;
    if (outcome.kind === 'linearizable') return false;
    failures.set(cutIndex, { ...prefix, deadEnd: outcome.deadEnd });
    return true;
  };
  const guess = cuts.findIndex((cut) => events[cut - 1]?.op === likelyCulprit);
  const shortest = lowestFailingIndex(cuts.length, guess, fails);
  if (shortest === undefined) return undefined;
  if (!failures.has(shortest) && fails(shortest) !== true) return undefined;
  return failures.get(shortest);
}

/** The first `cut` events of the timeline as a history of their own. */
function prefixOf(
  ops: readonly KeyOperation[],
  events: readonly TimelineEvent[],
  cut: number,
): { ops: KeyOperation[]; culprit: KeyOperation } {
  const included = events.slice(0, cut);
  const called = new Set(included.filter((e) => e.kind === 'call').map((e) => e.op));
  const returned = new Set(included.filter((e) => e.kind === 'return').map((e) => e.op));
  const last = included[included.length - 1];
  const culprit = last === undefined ? undefined : ops[last.op];
  if (culprit === undefined) throw new Error(`empty prefix (cut ${cut})`);
  const prefixOps = ops.flatMap((op, index) => {
    if (!called.has(index)) return [];
    return returned.has(index) ? [op] : [{ ...op, output: null, return: null }];
  });
  // Cutting turns the ops still in flight into pending ones: prune them as the full check does.
  return { ops: withoutIrrelevantPendingOps(prefixOps), culprit };
}
