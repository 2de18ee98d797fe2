import type { KeyOperation } from './key-history';

/** A call or a return of `ops[op]`. A pending op has a call and no return. */
export interface TimelineEvent {
  op: number;
  kind: 'call' | 'return';
  time: number;
}

/**
 * The events of a history in time order. At equal times calls come before returns, so two
 * operations that merely touch count as overlapping: a verdict never hinges on a clock tie.
 */
export function timelineOf(ops: readonly KeyOperation[]): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  ops.forEach((op, index) => {
    events.push({ op: index, kind: 'call', time: op.call });
    if (op.return !== null) events.push({ op: index, kind: 'return', time: op.return });
  });
  return events.sort((a, b) => a.time - b.time || kindRank(a) - kindRank(b) || a.op - b.op);
}

const kindRank = (event: TimelineEvent): number => (event.kind === 'call' ? 0 : 1);
