import type { KvStore } from '@paxos/shared';
import { Bitset } from './bitset';
import { END, EventList } from './event-list';
import { NO_TWIN, earlierPendingTwins } from './pending-twins';
import type { KeyOperation } from './key-history';
import { type KeyState, resultsEqual, stepKey } from './key-model';
import { type TimelineEvent, timelineOf } from './timeline';
import { VisitedConfigurations } from './visited';

/** The furthest the search got before it had to give up on every order. */
export interface DeadEnd {
  /** Indices into `ops`, in the order they were linearized. */
  order: number[];
  /** The key's value after `order`. */
  state: KeyState;
  /** The op whose return was reached while it was still unplaced. */
  blockedBy: number;
  /** Unplaced ops called before that return: one of them had to go next, none could. */
  candidates: number[];
}

export type SearchOutcome =
  | { kind: 'linearizable'; statesExplored: number }
  | { kind: 'violation'; statesExplored: number; deadEnd: DeadEnd }
  | { kind: 'out-of-time'; statesExplored: number };

/** How many steps run between two looks at the clock. */
const STEPS_PER_CLOCK_CHECK = 256;

interface Frame {
  callEvent: number;
  op: number;
  stateBefore: KeyState;
}

/**
 * Wing & Gong's search with Lowe's memoisation, for the sub-history of one key.
 *
 * Walk the timeline from the start. At a call, try to make that op take effect now: if its
 * reply fits the current state, lift it out of the timeline and start again from the front.
 * Reaching a return means that op had to take effect by then but did not, so undo the most
 * recent choice and try the next op instead. An empty timeline (or one with only pending
 * calls left, which may simply never take effect) is a linearization. The memo remembers
 * every (set of placed ops, state) already reached: two paths that agree on both can only
 * continue the same way, which turns an exponential search into one that is usually linear.
 * Pending ops are the other source of blow-up (each is a free "now, later or never"), so
 * the search skips placements of them that cannot matter (see `isUsefulPendingStep`).
 */
export function searchKey(ops: readonly KeyOperation[], outOfTime: () => boolean): SearchOutcome {
  const events = timelineOf(ops);
  const timeline = new EventList(events);
  const twins = earlierPendingTwins(ops, events);
  const placed = new Bitset(ops.length);
  const visited = new VisitedConfigurations();
  const scratch: KvStore = new Map();
  const stack: Frame[] = [];
  let state: KeyState = null;
  let deadEnd: DeadEnd | undefined;
  let steps = 0;

  let cursor = timeline.first();
  while (cursor !== END) {
    steps += 1;
    if (steps % STEPS_PER_CLOCK_CHECK === 0 && outOfTime()) {
      return { kind: 'out-of-time', statesExplored: visited.size };
    }
    const event = events[cursor];
    const op = event === undefined ? undefined : ops[event.op];
    if (event === undefined || op === undefined) throw new Error(`no event at ${cursor}`);

    if (event.kind === 'call') {
      const { result, next } = stepKey(state, op.input, scratch);
      const worthTrying =
        op.output === null
          ? isUsefulPendingStep(state, next, twins[event.op] ?? NO_TWIN, placed)
          : resultsEqual(result, op.output);
      if (worthTrying) {
        placed.add(event.op);
        if (visited.addIfNew(placed, next)) {
          stack.push({ callEvent: cursor, op: event.op, stateBefore: state });
          state = next;
          timeline.lift(cursor);
          cursor = timeline.first();
          continue;
        }
        placed.remove(event.op);
      }
      cursor = timeline.after(cursor);
      continue;
    }

    if (deadEnd === undefined || stack.length > deadEnd.order.length) {
      deadEnd = {
        order: stack.map((frame) => frame.op),
        state,
        blockedBy: event.op,
        candidates: unplacedCallsBefore(cursor, timeline, events),
      };
    }
    const frame = stack.pop();
    if (frame === undefined) {
      return { kind: 'violation', statesExplored: visited.size, deadEnd };
    }
    timeline.restore(frame.callEvent);
    placed.remove(frame.op);
    state = frame.stateBefore;
    cursor = timeline.after(frame.callEvent);
  }
  return { kind: 'linearizable', statesExplored: visited.size };
}

/**
 * A pending op is placed only when that can matter. If it leaves the value as it is, not
 * placing it keeps strictly more options open (it may still go later, or never). If an
 * identical pending op called earlier is still unplaced, that twin goes first.
 */
function isUsefulPendingStep(
  state: KeyState,
  next: KeyState,
  earlierTwin: number,
  placed: Bitset,
): boolean {
  return next !== state && (earlierTwin === NO_TWIN || placed.has(earlierTwin));
}

function unplacedCallsBefore(
  stop: number,
  timeline: EventList,
  events: readonly TimelineEvent[],
): number[] {
  const calls: number[] = [];
  for (let at = timeline.first(); at !== stop && at !== END; at = timeline.after(at)) {
    const event = events[at];
    if (event?.kind === 'call') calls.push(event.op);
  }
  return calls;
}
