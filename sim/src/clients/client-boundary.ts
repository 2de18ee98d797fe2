import { ClientCommandSchema, LIMITS, jsonBytes, utf8Bytes, type Op } from '@paxos/shared';

/**
 * The replicas' client API boundary, as the HTTP shell applies it to POST /commands, so that
 * the simulated clients meet the same refusals as real ones: a body over
 * LIMITS.commandBodyBytesMax is a 413, a command the shared schema refuses (NUL or a lone
 * surrogate in a key or value, a value over LIMITS.valueJsonBytesMax as JSON, a key too long)
 * is a 400 naming the field, and a valid command over LIMITS.commandJsonBytesMax is a 413.
 * A refused command is never sent: no role ever sees it.
 */
export type Admission =
  | { admitted: true }
  | { admitted: false; status: 400 | 413; code: 'invalid-command' | 'too-large'; error: string };

export function admitCommand(command: { sessionId: number; requestId: number; op: Op }): Admission {
  // The body a client would send: JSON.stringify escapes a lone surrogate, and the server's
  // JSON.parse gives it back, so the schema sees exactly what the client meant.
  const body = JSON.stringify(command);
  if (utf8Bytes(body) > LIMITS.commandBodyBytesMax) {
    return {
      admitted: false,
      status: 413,
      code: 'too-large',
      error: `request body is over ${LIMITS.commandBodyBytesMax} bytes`,
    };
  }
  const parsed = ClientCommandSchema.safeParse(JSON.parse(body));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    return {
      admitted: false,
      status: 400,
      code: 'invalid-command',
      error: `invalid command: ${problems.join('; ')}`,
    };
  }
  if (jsonBytes(parsed.data) > LIMITS.commandJsonBytesMax) {
    return {
      admitted: false,
      status: 413,
      code: 'too-large',
      error: `command is over ${LIMITS.commandJsonBytesMax} bytes as JSON`,
    };
  }
  return { admitted: true };
}
