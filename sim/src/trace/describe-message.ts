import {
  ballotToString,
  commandKey,
  type Batch,
  type Command,
  type Message,
  type PValue,
} from '@paxos/shared';

/** One readable line per message for `--verbose` traces. */
export function describeMessage(message: Message): string {
  switch (message.type) {
    case 'request':
      return `request ${message.commands.map((c) => `${commandKey(c)}:${describeOp(c.op)}`).join(' ')}`;
    case 'response': {
      const { result } = message;
      const outcome =
        result.refused !== undefined
          ? `refused ${result.refused}`
          : result.sessionId !== undefined
            ? `session ${result.sessionId}`
            : `ok=${result.ok} value=${cut(JSON.stringify(result.value))}`;
      return `response ${commandKey(message)} slot ${message.slot} ${outcome} op ${message.opDigest}`;
    }
    case 'withdraw':
      return `withdraw ${commandKey(message)}`;
    case 'propose':
      return `propose slot ${message.slot} ${describeBatch(message.value)}`;
    case 'decision':
      return `decision slot ${message.slot} ${describeBatch(message.value)}`;
    case 'p1a':
      return `p1a ${ballotToString(message.ballot)}`;
    case 'p1b':
      return (
        `p1b ${ballotToString(message.ballot)} collectedBelow ${message.collectedBelow} ` +
        `covers [${message.coversFrom ?? message.collectedBelow}, ` +
        `${message.coversBefore ?? 'end'}) accepted [${message.accepted.map(describePValue).join(' ')}]`
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
      return (
        `collect below ${message.belowSlot}` +
        (message.epochsBelow ? `, epochs below ${message.epochsBelow}` : '')
      );
    case 'behind':
      return `behind: collected below ${message.collectedBelow}`;
    case 'snapshot-request':
      return `snapshot-request above ${message.slotOut}`;
    case 'snapshot-chunk':
      return message.head
        ? `snapshot-chunk head at ${message.slotOut} (${message.parts} part(s))`
        : `snapshot-chunk part ${message.data?.part ?? '?'} of ${message.parts} at ${message.slotOut}`;
    case 'applied':
      return `applied below ${message.slotOut}`;
    case 'read-probe':
      return `read-probe ${message.probeId}`;
    case 'read-probe-reply':
      return `read-probe-reply ${message.probeId}: accepted through ${message.acceptedThrough}`;
  }
}

function describeOp(op: Command['op']): string {
  switch (op.kind) {
    case 'register':
      return 'register';
    case 'reconfigure':
      return `reconfigure(${op.acceptors.join(' ')}|${op.leaders.join(' ')}|${op.replicas.join(' ')})`;
    case 'get':
      return `get(${cut(op.key)})`;
    case 'list':
      return op.prefix !== undefined
        ? `list(${cut(op.prefix)}*)`
        : `list([${cut(op.start ?? '')},${cut(op.end ?? '')}))`;
    case 'put':
      return `put(${cut(op.key)},${cut(op.value)})`;
    case 'delete':
      return `delete(${cut(op.key)})`;
    case 'cas':
      return `cas(${cut(op.key)},${op.expected === null ? 'null' : cut(op.expected)}->${cut(op.value)})`;
  }
}

/** Keys and values may be 64 KiB and hold control characters: a trace line shows their start. */
const TRACE_CHARS_MAX = 24;
function cut(text: string): string {
  const shown = JSON.stringify(text.slice(0, TRACE_CHARS_MAX)).slice(1, -1);
  return text.length > TRACE_CHARS_MAX ? `${shown}...(${text.length} chars)` : shown;
}

function describeBatch(batch: Batch): string {
  const commands = batch.commands.map(commandKey).join(',');
  return `${batch.batchId}[${commands}]`;
}

function describePValue(p: PValue): string {
  return `<${ballotToString(p.ballot)},${p.slot},${p.value.batchId}>`;
}
