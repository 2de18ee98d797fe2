import { messageVersionProblem, parseMessage, type Message } from '@paxos/shared';
import type { ClaimedMessage } from './queue-port';

/**
 * Why a message went to the dead letters: a bounded set, used as the `reason` label of
 * paxos_dead_letters_total.
 */
export const DEAD_LETTER_REASONS = [
  'invalid-json',
  'invalid-message',
  'protocol-version',
  'poison-attempts',
  'step-threw',
  'commit-refused',
  'too-large',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export type Admission =
  { ok: true; message: Message } | { ok: false; reason: DeadLetterReason; detail: string };

/**
 * A claimed payload as a message, or why it can never be one. A message delivered more than
 * `maxAttempts` times without an ack is a poison message: some earlier holder died on it each
 * time (an exception would have been caught and isolated), so it goes without being stepped.
 * A message of a protocol version this member does not speak (shared/src/protocol.ts) goes
 * before its schema is tried: what it means may differ from what the fields say here.
 */
export function admit(m: ClaimedMessage, maxAttempts: number): Admission {
  if (m.attempts > maxAttempts) {
    return {
      ok: false,
      reason: 'poison-attempts',
      detail: `claimed ${m.attempts} times without being acknowledged (poison message)`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(m.payload);
  } catch {
    return { ok: false, reason: 'invalid-json', detail: 'payload is not valid JSON' };
  }
  const versionProblem = messageVersionProblem(json);
  if (versionProblem !== null) {
    return { ok: false, reason: 'protocol-version', detail: `payload ${versionProblem}` };
  }
  const parsed = parseMessage(json);
  if (parsed.ok) return { ok: true, message: parsed.message };
  return {
    ok: false,
    reason: 'invalid-message',
    detail: `payload is not a valid message: ${parsed.reason}`,
  };
}
