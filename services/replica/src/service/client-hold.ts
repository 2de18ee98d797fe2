import { clientDestination, type Command, type Message, type Response } from '@paxos/shared';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Histogram } from 'prom-client';
import {
  BodyTooLargeError,
  ClientGoneError,
  declaredBodyBytes,
  onClientGone,
  readBody,
  reply,
  replyUnavailable,
  type ClientErrorCode,
} from './http-io';
import type { ClientAccessDeps, ClientAuthRefusal } from './client-auth';
import type { PendingCommands, Reservation } from './pending-commands';

/** What the client routes (POST /commands, POST /sessions) need from the service. */
export interface ClientApiDeps {
  pending: PendingCommands;
  submit: (m: Message) => void;
  isReady: () => boolean;
  commandTimeoutMs: number;
  latency: Histogram<'op'>;
  /** Counts every error answer by its code (metrics). */
  countError?: (code: ClientErrorCode) => void;
  /**
   * Why this replica cannot serve clients now because it is in no configuration it knows
   * (it was removed, or it joins and has not caught up yet); null when it is a member.
   */
  outsideConfiguration?: () => string | null;
  /** Keys and allowed origins (client-auth.ts); absent: no keys, browser checks only. */
  access?: ClientAccessDeps;
}

/** A request admitted into PendingCommands with its body read; `release` it when done. */
export interface HeldRequest {
  room: Reservation;
  body: string;
  /** True once the client has gone away (then nothing is submitted for it). */
  gone: () => boolean;
  /** Answers 503 not-member: the replica left while the request waited. */
  turnAway: () => void;
}

export function replyError(
  d: ClientApiDeps,
  res: ServerResponse,
  status: number,
  body: { code: ClientErrorCode; error: string } & Record<string, unknown>,
): void {
  d.countError?.(body.code);
  if (status === 503) {
    replyUnavailable(res, body.code as 'not-ready' | 'overloaded' | 'not-member', body.error);
  } else reply(res, status, body);
}

/** Answers a refusal of client-auth.ts; the body, unread, is drained. */
export function refuse(
  d: ClientApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  r: ClientAuthRefusal,
): void {
  req.resume();
  replyError(d, res, r.status, { code: r.code, error: r.error });
}

/**
 * Admits a client request: 503 while the replica is not ready, 503 `not-member` while it is
 * outside every configuration it knows, 503 `overloaded` when holding
 * it would take PendingCommands past its count or bytes bound (decided before the body is
 * read, on the length it declares, so refused bodies cost no memory), 413 when the body is
 * over `bodyLimitBytes`. Returns null when it has answered; otherwise the caller owns the room.
 */
export async function holdRequest(
  d: ClientApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  bodyLimitBytes: number,
): Promise<HeldRequest | null> {
  if (!d.isReady()) {
    replyError(d, res, 503, {
      code: 'not-ready',
      error:
        'replica is not ready (recovering or data API unreachable); retry with the same requestId',
    });
    return null;
  }
  // A replica outside every configuration proposes nothing: the client must go elsewhere.
  const outside = d.outsideConfiguration?.() ?? null;
  if (outside !== null) {
    req.resume();
    replyError(d, res, 503, { code: 'not-member', error: outside });
    return null;
  }
  const declared = declaredBodyBytes(req);
  const room = d.pending.reserve(Math.min(declared ?? bodyLimitBytes, bodyLimitBytes));
  if (!room) {
    replyError(d, res, 503, {
      code: 'overloaded',
      error: `replica holds its most pending commands (${d.pending.bounds.commandsMax}, ${d.pending.bounds.bytesMax} bytes); retry later with the same requestId`,
    });
    return null;
  }
  let gone = false;
  onClientGone(res, () => {
    gone = true;
    room.abandon();
  });
  try {
    const body = await readBody(req, bodyLimitBytes);
    room.shrinkTo(Buffer.byteLength(body));
    const turnAway = () =>
      replyError(d, res, 503, {
        code: 'not-member',
        error:
          d.outsideConfiguration?.() ??
          'this replica left the configuration; retry on another replica',
      });
    return { room, body, gone: () => gone, turnAway };
  } catch (err) {
    room.release();
    if (err instanceof BodyTooLargeError) {
      replyError(d, res, 413, {
        code: 'too-large',
        error: `request body is larger than ${err.limitBytes} bytes`,
      });
    } else if (!(err instanceof ClientGoneError)) {
      throw err;
    }
    return null;
  }
}

/**
 * Submits `command` to the role and waits for its answer: `timeout` past commandTimeoutMs, or
 * null when nothing is left to answer (the client went away, or it was told 503 not-member
 * because the replica left the configuration while it waited). The waiter is gone either way, and a
 * command nobody waits for any more is withdrawn (PendingCommands' onOrphaned).
 */
export async function submitAndWait(
  d: ClientApiDeps,
  held: HeldRequest,
  command: Command,
): Promise<Response | 'timeout' | null> {
  if (held.gone()) return null;
  const outcome = held.room.wait(command, d.commandTimeoutMs);
  d.submit({ type: 'request', from: clientDestination(command.sessionId), commands: [command] });
  const o = await outcome;
  if (o.kind === 'answered') return o.response;
  if (o.kind === 'turned-away') {
    held.turnAway();
    return null;
  }
  return o.kind === 'timeout' ? 'timeout' : null;
}
