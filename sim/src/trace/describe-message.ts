import { ballotToString, type Batch, type Message, type Op, type PValue } from '@paxos/shared';

/** One readable line per message for `--verbose` traces. */
export function describeMessage(message: Message): string {
  switch (message.type) {
    case 'request':
      return `request ${message.commands.map((c) => `${c.requestId}:${describeOp(c.op)}`).join(' ')}`;
    case 'response':
      return (
        `response ${message.clientId}/${message.requestId} slot ${message.slot} ` +
        `ok=${message.result.ok} value=${JSON.stringify(message.result.value)}`
      );
    case 'propose':
      return `propose slot ${message.slot} ${describeBatch(message.value)}`;
    case 'decision':
      return `decision slot ${message.slot} ${describeBatch(message.value)}`;
    case 'p1a':
      return `p1a ${ballotToString(message.ballot)}`;
    case 'p1b':
      return (
        `p1b ${ballotToString(message.ballot)} collectedBelow ${message.collectedBelow} ` +
        `accepted [${message.accepted.map(describePValue).join(' ')}]`
      );
    case 'p2a':
      return `p2a ${describePValue(message.pvalue)}`;
    case 'p2b':
      return (
        `p2b ${ballotToString(message.ballot)} slot ${message.slot}` +
        (message.collectedBelow === undefined ? '' : ` collected below ${message.collectedBelow}`)
      );
    case 'accepted':
      return `accepted ${describePValue(message.pvalue)}`;
    case 'adopted':
      return `adopted ${ballotToString(message.ballot)} (${message.accepted.length} pvalues)`;
    case 'preempted':
      return `preempted by ${ballotToString(message.ballot)}`;
    case 'heartbeat':
      return `heartbeat ${ballotToString(message.ballot)} active=${message.active}`;
    case 'progress':
      return (
        `progress slotOut ${message.slotOut}` +
        (message.wantsDecisions === false ? ' (report only)' : '')
      );
    case 'collect':
      return `collect below ${message.belowSlot}`;
  }
}

function describeOp(op: Op): string {
  switch (op.kind) {
    case 'get':
      return `get(${op.key})`;
    case 'put':
      return `put(${op.key},${op.value})`;
    case 'delete':
      return `delete(${op.key})`;
    case 'cas':
      return `cas(${op.key},${String(op.expected)}->${op.value})`;
  }
}

function describeBatch(batch: Batch): string {
  const commands = batch.commands.map((c) => `${c.clientId}/${c.requestId}`).join(',');
  return `${batch.batchId}[${commands}]`;
}

function describePValue(p: PValue): string {
  return `<${ballotToString(p.ballot)},${p.slot},${p.value.batchId}>`;
}
