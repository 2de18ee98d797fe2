import {
  MembersSchema,
  WindowSchema,
  describeIssues,
  latestEntry,
  opDigest,
  reconfigurationProblem,
  type ReconfigureCommand,
} from '@paxos/shared';
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReplicaState } from '../role/state';
import { OPEN_ACCESS, browserRefusal } from './client-auth';
import { holdRequest, refuse, replyError, submitAndWait, type ClientApiDeps } from './client-hold';
import { isPath, reply } from './http-io';

/** Three lists of at most LIMITS.configMembersMax ids of at most 128 characters, spaced out. */
const ADMIN_BODY_BYTES_MAX = 32 * 1024;
/** Request numbers of reconfigurations, random like registrations' (sessions-api.ts). */
const ADMIN_REQUEST_ID_END = 2 ** 48;

/** The body of POST /admin/reconfigure: the next configuration's members (and WINDOW). */
export const ReconfigureBodySchema = MembersSchema.extend({
  window: WindowSchema.optional(),
}).strict();

export interface AdminApiDeps extends ClientApiDeps {
  /** ADMIN_KEY; null: the endpoint is disabled. */
  adminKey: string | null;
  currentState: () => ReplicaState | undefined;
  /** An audit line per accepted request (never the key). */
  log: (fields: object, message: string) => void;
}

/**
 * POST /admin/reconfigure {acceptors, leaders, replicas, window?}: proposes a reconfiguration
 * (PMMC section 4) and answers once it is decided: 200 {epoch, startSlot} (the slot it governs
 * from); 409 when the log refused it (another is pending, or the configuration in force does not
 * allow it); 400 for what can be seen wrong here; 401/403 without the admin key; 503/504 as for
 * commands (retry: asking again for the configuration already scheduled answers with it).
 */
export function adminRoute(
  d: AdminApiDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const expected = d.adminKey === null ? null : keyDigest(d.adminKey);
  return (req, res) => {
    if (!isPath(req.url, '/admin/reconfigure')) return false;
    if (req.method !== 'POST') {
      req.resume();
      reply(res, 405, { error: 'POST /admin/reconfigure' }, { allow: 'POST' });
      return true;
    }
    // A page in the operator's browser must not reconfigure the fleet on its behalf.
    const browser = browserRefusal(d.access ?? OPEN_ACCESS, req);
    if (browser !== null) {
      refuse(d, req, res, browser);
      return true;
    }
    if (expected === null) {
      req.resume();
      replyError(d, res, 403, {
        code: 'admin-disabled',
        error: 'admin endpoint disabled: set ADMIN_KEY',
      });
      return true;
    }
    if (!authorized(req.headers.authorization, expected)) {
      req.resume();
      replyError(d, res, 401, {
        code: 'unauthorized',
        error: 'admin endpoint: send Authorization: Bearer <ADMIN_KEY>',
      });
      return true;
    }
    void handleReconfigure(d, req, res);
    return true;
  };
}

function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Compares digests of equal length in constant time, so neither the key's length nor the
 * position of the first wrong character shows in the answer's timing.
 */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = keyDigest(match?.[1] ?? '');
  return timingSafeEqual(given, expected) && match !== null;
}

async function handleReconfigure(d: AdminApiDeps, req: IncomingMessage, res: ServerResponse) {
  const held = await holdRequest(d, req, res, ADMIN_BODY_BYTES_MAX);
  if (!held) return;
  try {
    const op = parseBody(d, held.body, res);
    if (!op) return;
    const command: ReconfigureCommand = {
      sessionId: 0,
      requestId: randomInt(1, ADMIN_REQUEST_ID_END),
      op,
    };
    d.log(
      { acceptors: op.acceptors, leaders: op.leaders, replicas: op.replicas, window: op.window },
      'admin: reconfiguration requested',
    );
    const answer = await submitAndWait(d, held, command);
    if (answer === 'timeout') {
      replyError(d, res, 504, {
        code: 'timeout',
        error: `reconfiguration not decided within ${d.commandTimeoutMs} ms; ask again (the same configuration is answered with its epoch once it is decided)`,
        retryable: true,
      });
      return;
    }
    if (!answer) return;
    if (answer.opDigest !== opDigest(op)) {
      throw new Error(`reconfiguration ${command.requestId} answered for another operation`);
    }
    const { refused, config, value } = answer.result;
    if (refused === 'reconfiguration-pending' || refused === 'reconfiguration-invalid') {
      replyError(d, res, 409, {
        code: refused,
        error: value ?? refused,
        slot: answer.slot,
      });
      return;
    }
    if (!config) throw new Error(`reconfiguration ${command.requestId} answered without a config`);
    d.log({ ...config, slot: answer.slot }, 'admin: reconfiguration decided');
    reply(res, 200, { epoch: config.epoch, startSlot: config.startSlot, slot: answer.slot });
  } finally {
    held.room.release();
  }
}

/** The reconfigure op, or null once a 400 naming the problem is sent. */
function parseBody(
  d: AdminApiDeps,
  body: string,
  res: ServerResponse,
): ReconfigureCommand['op'] | null {
  const invalid = (error: string): null => {
    replyError(d, res, 400, { code: 'invalid-reconfiguration', error });
    return null;
  };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return invalid('request body is not valid JSON');
  }
  const parsed = ReconfigureBodySchema.safeParse(json);
  if (!parsed.success) {
    return invalid(`invalid reconfiguration: ${describeIssues(parsed.error.issues)}`);
  }
  const state = d.currentState();
  if (state) {
    // What the log would refuse anyway, said at once: the log checks again when it decides.
    const latest = latestEntry(state.configs).config;
    const problem = reconfigurationProblem(latest, parsed.data, state.formerMembers);
    if (problem !== null) return invalid(`invalid reconfiguration: ${problem}`);
  }
  return { kind: 'reconfigure', ...parsed.data };
}
