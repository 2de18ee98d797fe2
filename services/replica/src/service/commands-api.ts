import {
  ClientCommandSchema,
  LIMITS,
  describeIssues,
  isReadOp,
  jsonBytes,
  opDigest,
  type ClientCommand,
  type Response,
} from '@paxos/shared';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OPEN_ACCESS, admitStateChanging, authorizeOp, isRefusal } from './client-auth';
import { holdRequest, refuse, replyError, submitAndWait, type ClientApiDeps } from './client-hold';
import { isPath, reply } from './http-io';

/**
 * POST /commands {sessionId, requestId, op, consistency?}: answers once the command is decided and
 * applied. Reads (get, list) take no slot: they are answered after a read probe (linearizable),
 * or at once with `"consistency": "serializable"` (docs/reads.md). The statuses, one cause
 * each (docs/limits-and-errors.md):
 *   200 performed; 400 invalid-command; 401 unauthorized (no key, or an unknown one);
 *   403 forbidden (a key used beyond its rights) / origin-refused (a foreign browser page);
 *   415 unsupported-media-type (a body that is not application/json); 409 request-id-conflict (that request number ran with
 *   another operation); 410 session-unknown / request-too-old (did not run now; an earlier
 *   attempt's outcome is unknown: do not resubmit automatically under a new session);
 *   413 too-large / kv-quota-exceeded (nothing changed); 503 not-ready / overloaded (with
 *   Retry-After); 504 timeout (retry with the same sessionId and requestId: it runs at most once).
 *
 * Served on node:http without express: it is called once per client command, and the
 * framework's routing and body parsing were the largest cost of a replica under load.
 * Returns false for any other request.
 */
export function commandsRoute(
  d: ClientApiDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || !isPath(req.url, '/commands')) return false;
    void handleCommand(d, req, res);
    return true;
  };
}

async function handleCommand(d: ClientApiDeps, req: IncomingMessage, res: ServerResponse) {
  // Who asks is settled on the headers alone, before the body takes room in PendingCommands.
  const caller = admitStateChanging(d.access ?? OPEN_ACCESS, req);
  if (isRefusal(caller)) {
    refuse(d, req, res, caller);
    return;
  }
  const held = await holdRequest(d, req, res, LIMITS.commandBodyBytesMax);
  if (!held) return;
  try {
    const command = parseCommand(d, held.body, res);
    if (!command) return;
    // What the key may touch is known once the op is: refused here, it is never queued.
    const forbidden = authorizeOp(caller, command.op);
    if (forbidden !== null) {
      replyError(d, res, forbidden.status, { code: forbidden.code, error: forbidden.error });
      return;
    }
    const timer = d.latency.startTimer({ op: command.op.kind });
    const answer = await submitAndWait(d, held, command);
    if (answer === 'timeout') {
      replyError(d, res, 504, {
        code: 'timeout',
        error: `command not decided within ${d.commandTimeoutMs} ms; retry with the same sessionId and requestId (it runs at most once)`,
        retryable: true,
        sessionId: command.sessionId,
        requestId: command.requestId,
      });
    } else if (answer) {
      timer();
      replyAnswer(d, res, command, answer);
    }
  } finally {
    held.room.release();
  }
}

/** The command, or null once a 400 or 413 naming the problem is sent. */
function parseCommand(d: ClientApiDeps, body: string, res: ServerResponse): ClientCommand | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    replyError(d, res, 400, { code: 'invalid-command', error: 'request body is not valid JSON' });
    return null;
  }
  const parsed = ClientCommandSchema.safeParse(json);
  if (!parsed.success) {
    const error = `invalid command: ${describeIssues(parsed.error.issues)}`;
    replyError(d, res, 400, { code: 'invalid-command', error });
    return null;
  }
  if (parsed.data.consistency !== undefined && !isReadOp(parsed.data.op)) {
    const error = `invalid command: consistency applies to get and list only, not ${parsed.data.op.kind}`;
    replyError(d, res, 400, { code: 'invalid-command', error });
    return null;
  }
  const bytes = jsonBytes(parsed.data);
  if (bytes > LIMITS.commandJsonBytesMax) {
    replyError(d, res, 413, {
      code: 'too-large',
      error: `the command is ${bytes} bytes as JSON, more than ${LIMITS.commandJsonBytesMax}`,
    });
    return null;
  }
  return parsed.data;
}

function replyAnswer(
  d: ClientApiDeps,
  res: ServerResponse,
  command: ClientCommand,
  r: Response,
): void {
  const { sessionId, requestId, slot, result } = r;
  const refused = result.refused;
  if (refused === 'session-unknown') {
    replyError(d, res, 410, {
      code: refused,
      error: `session ${sessionId} is unknown (never registered, or evicted): the command did not run now; whether an earlier attempt ran is unknown, so do not resubmit it automatically under a new session`,
      outcomeUnknown: true,
    });
  } else if (refused === 'request-too-old') {
    replyError(d, res, 410, {
      code: refused,
      error: `request ${requestId} of session ${sessionId} is older than every answer the session keeps: it did not run now; whether an earlier attempt ran is unknown, so do not resubmit it automatically`,
      outcomeUnknown: true,
    });
  } else if (r.opDigest !== opDigest(command.op)) {
    replyError(d, res, 409, {
      code: 'request-id-conflict',
      error: `request ${requestId} of session ${sessionId} already ran (slot ${slot}) with a different operation; use a new requestId for a new operation`,
    });
  } else if (refused === 'kv-quota-exceeded') {
    replyError(d, res, 413, {
      code: refused,
      error: `the write would take the store past its quota of keys or bytes; nothing changed`,
      slot,
    });
  } else if (r.read !== undefined) {
    // A read without a slot: `slot` is the last one applied where it was read (docs/reads.md).
    reply(res, 200, { sessionId, requestId, slot, result, read: r.read });
  } else {
    reply(res, 200, { sessionId, requestId, slot, result });
  }
}
