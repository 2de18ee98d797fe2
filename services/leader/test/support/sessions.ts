import { clientDestination, type Command, type ProcessId } from '@paxos/shared';
import type { MiniCluster } from './mini-cluster';

/**
 * Registers `count` client sessions through `replica`, as the HTTP shell does (shared/src/
 * command.ts: a registration carries session 0 and a request number of the shell's choosing),
 * and returns their ids once the replica has answered them all.
 */
export function registerSessions(
  net: MiniCluster,
  replica: ProcessId,
  count: number,
  withinMs = 5_000,
): number[] {
  const seen = net.outside.length;
  const registrations: Command[] = Array.from({ length: count }, (_, i) => ({
    sessionId: 0,
    requestId: i + 1,
    op: { kind: 'register' },
  }));
  net.inject({
    to: replica,
    message: { type: 'request', from: clientDestination(0), commands: registrations },
  });
  const ids = new Set<number>();
  for (const deadline = net.now + withinMs; ids.size < count && net.now < deadline;) {
    net.runUntil(net.now + 10);
    for (const { message } of net.outside.slice(seen)) {
      if (message.type === 'response' && message.result.sessionId !== undefined) {
        ids.add(message.result.sessionId);
      }
    }
  }
  if (ids.size < count) throw new Error(`only ${ids.size} of ${count} sessions registered`);
  return [...ids].sort((a, b) => a - b);
}
