import { opDigest, type RegisterCommand } from '@paxos/shared';
import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OPEN_ACCESS, admitStateChanging, authorizeOp, isRefusal } from './client-auth';
import { holdRequest, refuse, replyError, submitAndWait, type ClientApiDeps } from './client-hold';
import { isPath, reply } from './http-io';

/** A registration's body is `{}` or empty. */
const SESSION_BODY_BYTES_MAX = 1_024;
/** Request numbers of registrations: random, so two replicas' registrations rarely collide. */
const REGISTRATION_REQUEST_ID_END = 2 ** 48;

/**
 * POST /sessions: registers a client session through the log (Raft dissertation 6.3) and
 * answers 200 {sessionId} once the registration is decided and applied here. A timeout (504)
 * may still register a session, which then stays unused until it is evicted: register again.
 * 401/403/415 as for POST /commands (client-auth.ts).
 */
export function sessionsRoute(
  d: ClientApiDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || !isPath(req.url, '/sessions')) return false;
    void handleRegistration(d, req, res);
    return true;
  };
}

async function handleRegistration(d: ClientApiDeps, req: IncomingMessage, res: ServerResponse) {
  // Any valid key may register, a read-only one too: its session then runs gets and lists.
  const caller = admitStateChanging(d.access ?? OPEN_ACCESS, req);
  const refusal = isRefusal(caller) ? caller : authorizeOp(caller, { kind: 'register' });
  if (refusal !== null) {
    refuse(d, req, res, refusal);
    return;
  }
  const held = await holdRequest(d, req, res, SESSION_BODY_BYTES_MAX);
  if (!held) return;
  try {
    if (!isEmptyBody(held.body)) {
      replyError(d, res, 400, {
        code: 'invalid-command',
        error: 'body: a registration takes an empty body or {}',
      });
      return;
    }
    const op = { kind: 'register' } as const;
    const command: RegisterCommand = {
      sessionId: 0,
      requestId: randomInt(1, REGISTRATION_REQUEST_ID_END),
      op,
    };
    const timer = d.latency.startTimer({ op: op.kind });
    const answer = await submitAndWait(d, held, command);
    if (answer === 'timeout') {
      replyError(d, res, 504, {
        code: 'timeout',
        error: `registration not decided within ${d.commandTimeoutMs} ms; register again`,
        retryable: true,
      });
      return;
    }
    if (!answer) return;
    const sessionId = answer.result.sessionId;
    if (sessionId === undefined || answer.opDigest !== opDigest(op)) {
      throw new Error(`registration ${command.requestId} answered without a session`);
    }
    timer();
    reply(res, 200, { sessionId });
  } finally {
    held.room.release();
  }
}

function isEmptyBody(body: string): boolean {
  if (body.trim() === '') return true;
  try {
    const json: unknown = JSON.parse(body);
    return (
      typeof json === 'object' &&
      json !== null &&
      !Array.isArray(json) &&
      Object.keys(json).length === 0
    );
  } catch {
    return false;
  }
}
