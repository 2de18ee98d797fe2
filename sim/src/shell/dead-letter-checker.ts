import { CommandSchema, type Message } from '@paxos/shared';
import { violated } from '../checkers/violation';
import { describeMessage } from '../trace/describe-message';

/**
 * 'innocent-dead-letter': the shell may dead-letter only what an adversarial client sent (a
 * request whose commands fail CommandSchema; the client boundary refuses those anyway). A
 * protocol message between roles that goes to the dead letters is lost for good: some role
 * threw on it, wrote something too large for it, or the data API refused its commit, and each
 * of those is a bug the limits and the roles' guards must rule out.
 */
export function checkDeadLetter(
  processId: string,
  held: { from: string; message: Message } | undefined,
  reason: string,
  detail: string,
): void {
  if (held !== undefined && isAdversarialRequest(held.message)) return;
  const what =
    held === undefined ? 'a message' : `${describeMessage(held.message)} from ${held.from}`;
  violated('innocent-dead-letter', `${processId} dead-lettered ${what} (${reason}): ${detail}`);
}

/** A local client message made a step fail and the shell dropped it (poison isolation). */
export function checkDroppedLocal(
  processId: string,
  message: Message,
  reason: string,
  detail: string,
): void {
  if (isAdversarialRequest(message)) return;
  violated(
    'innocent-dead-letter',
    `${processId} dropped the local ${describeMessage(message)} (${reason}): ${detail}`,
  );
}

function isAdversarialRequest(message: Message): boolean {
  if (message.type !== 'request') return false;
  return message.commands.some((c) => !CommandSchema.safeParse(c).success);
}
