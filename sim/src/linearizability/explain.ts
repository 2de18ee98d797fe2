import { describeOperation, showValue } from './describe';
import type { KeyOperation } from './key-history';
import { fits, stepKey } from './key-model';
import type { DeadEnd } from './search';
import { shortestFailingPrefix } from './shortest-prefix';

/** Long listings keep their tail: the end of a failing prefix is where the trouble is. */
const OPERATIONS_SHOWN = 15;
const ORDER_SHOWN = 10;

/**
 * A readable account of why one key's history has no linearization: the shortest failing
 * prefix (which names the reply that made it impossible), then the furthest any order got
 * and, for each op that could have gone next, why it could not.
 */
export function explainViolation(
  key: string,
  ops: readonly KeyOperation[],
  deadEnd: DeadEnd,
  outOfTime: () => boolean,
  pendingLeftOut = 0,
): string {
  const leftOut =
    pendingLeftOut === 0
      ? ''
      : ` (${countOf(pendingLeftOut, 'pending operation')} that no reply depends on left out)`;
  const heading = `key ${JSON.stringify(key)}: no order of its ${countOf(ops.length, 'operation')} matches every reply${leftOut}.`;
  const prefix = shortestFailingPrefix(ops, deadEnd.blockedBy, outOfTime);
  if (prefix === undefined) {
    return [
      heading,
      'Ran out of time looking for the shortest failing prefix; this is the search of the whole history.',
      ...describeDeadEnd(ops, deadEnd),
    ].join('\n');
  }
  const { culprit } = prefix;
  return [
    heading,
    `It becomes impossible when #${culprit.id} returns at t=${culprit.return ?? '?'}.`,
    `Shortest failing prefix: the ${countOf(prefix.ops.length, 'operation')} called by then (no reply = pending at that point):`,
    ...listTail(prefix.ops.map(describeOperation), OPERATIONS_SHOWN, 'operations'),
    ...describeDeadEnd(prefix.ops, prefix.deadEnd),
  ].join('\n');
}

function describeDeadEnd(ops: readonly KeyOperation[], deadEnd: DeadEnd): string[] {
  const opAt = (index: number): KeyOperation => {
    const op = ops[index];
    if (op === undefined) throw new Error(`dead end names op ${index} of ${ops.length}`);
    return op;
  };
  const blocked = opAt(deadEnd.blockedBy);
  const order = deadEnd.order.map((index) => `#${opAt(index).id}`);
  const orderLine =
    order.length === 0
      ? 'No operation could be placed first (the key starts absent).'
      : `Longest order found places ${countOf(order.length, 'operation')}, leaving the value ${showValue(deadEnd.state)}: ${tail(order, ORDER_SHOWN).join(', ')}.`;
  const candidates = [
    deadEnd.blockedBy,
    ...deadEnd.candidates.filter((index) => index !== deadEnd.blockedBy),
  ].map(opAt);
  return [
    orderLine,
    `Then #${blocked.id} must take effect before it returns at t=${blocked.return ?? '?'}, but no operation that could go next can be placed:`,
    ...listHead(
      candidates.map((op) => `${describeOperation(op)}: ${whyNotNext(op, deadEnd.state)}`),
      OPERATIONS_SHOWN,
      'candidates',
    ),
  ];
}

function whyNotNext(op: KeyOperation, state: DeadEnd['state']): string {
  if (op.output === null && stepKey(state, op.input).next === state) {
    return 'pending, and would leave the value as it is';
  }
  if (fits(state, op.input, op.output)) {
    return 'fits here, but every order continuing from it fails later';
  }
  return `cannot reply that while the value is ${showValue(state)}`;
}

function listTail(lines: readonly string[], shown: number, what: string): string[] {
  const hidden = lines.length - shown;
  const kept = tail(lines, shown).map((line) => `  ${line}`);
  return hidden > 0 ? [`  ... ${hidden} earlier ${what} not shown`, ...kept] : kept;
}

/** Candidates keep their head: the blocked op comes first. */
function listHead(lines: readonly string[], shown: number, what: string): string[] {
  const hidden = lines.length - shown;
  const kept = lines.slice(0, shown).map((line) => `  ${line}`);
  return hidden > 0 ? [...kept, `  ... ${hidden} more ${what} not shown`] : kept;
}

const tail = <T>(items: readonly T[], count: number): T[] =>
  items.length > count ? items.slice(items.length - count) : [...items];

const countOf = (count: number, noun: string): string =>
  `${count} ${noun}${count === 1 ? '' : 's'}`;
