import { LIMITS, type Message } from '@paxos/shared';

/**
 * Client requests that arrived together become one `request` message, so the replica
 * proposes them as one batch in one slot instead of one slot each. The replica service passes
 * this as its RoleServiceSpec's `coalesceLocal`; the generic shell merges nothing by itself.
 * Other local messages keep their place.
 */
export function coalesceRequests(
  messages: Message[],
  maxCommands: number = LIMITS.batchCommandsMax,
): Message[] {
  const out: Message[] = [];
  let current: Extract<Message, { type: 'request' }> | null = null;
  for (const m of messages) {
    if (m.type !== 'request') {
      out.push(m);
      continue;
    }
    if (current && current.commands.length + m.commands.length <= maxCommands) {
      current.commands.push(...m.commands);
    } else {
      current = { ...m, commands: [...m.commands] };
      out.push(current);
    }
  }
  return out;
}
