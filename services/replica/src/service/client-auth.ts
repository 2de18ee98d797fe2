import {
  REGISTER_NEED,
  accessNeedOf,
  authorizeNeed,
  browserRequestRefusal,
  type AccessNeed,
  type ClientKey,
  type KeyRing,
} from '@paxos/shared';
import type { IncomingMessage } from 'node:http';
import { declaredBodyBytes } from './http-io';

/**
 * Who may use the client API (docs/security.md): the keys of CLIENT_KEYS, by hash, and the
 * origins a browser may call the state-changing endpoints from. Built once at start-up.
 */
export interface ClientAccessDeps {
  /** null: CLIENT_KEYS is unset and every caller may do everything (never in production). */
  keys: KeyRing | null;
  /** ALLOWED_ORIGINS; a request's own host is always allowed. */
  allowedOrigins: ReadonlySet<string>;
}

/** A request's key, once authenticated; `null` stands for "no keys are configured". */
export type Caller = ClientKey | null;

/** A refusal to answer as JSON `{code, error}` with its status. */
export interface ClientAuthRefusal {
  status: 401 | 403 | 415;
  code: 'unauthorized' | 'forbidden' | 'origin-refused' | 'unsupported-media-type';
  error: string;
}

/** Open access: no keys, no extra origins (tests, tools that build the routes by hand). */
export const OPEN_ACCESS: ClientAccessDeps = Object.freeze({
  keys: null,
  allowedOrigins: new Set<string>(),
});

/**
 * The checks a state-changing request passes before its body is read: a browser's foreign
 * Origin (403) and a body that is not JSON (415) first, since they do not depend on a key,
 * then the key itself (401). Returns the caller, or the refusal to answer.
 */
export function admitStateChanging(
  d: ClientAccessDeps,
  req: IncomingMessage,
): Caller | ClientAuthRefusal {
  const refusal = browserRefusal(d, req);
  if (refusal !== null) return refusal;
  return authenticate(d, req);
}

/** The Origin and content-type check alone (the admin route has its own key). */
export function browserRefusal(
  d: ClientAccessDeps,
  req: IncomingMessage,
): ClientAuthRefusal | null {
  return browserRequestRefusal(
    {
      origin: req.headers.origin,
      host: req.headers.host,
      contentType: req.headers['content-type'],
      hasBody: hasBody(req),
    },
    d.allowedOrigins,
  );
}

/** The key of the request's Bearer header (401 when missing or unknown). */
export function authenticate(
  d: ClientAccessDeps,
  req: IncomingMessage,
): Caller | ClientAuthRefusal {
  if (d.keys === null) return null;
  return d.keys.authenticate(req.headers.authorization);
}

/** Whether the caller may run a command of this op (403 when it may not). */
export function authorizeOp(
  caller: Caller,
  op: { kind: string; key?: string; prefix?: string },
): ClientAuthRefusal | null {
  return authorizeCaller(caller, op.kind === 'register' ? REGISTER_NEED : accessNeedOf(op));
}

export function authorizeCaller(caller: Caller, need: AccessNeed): ClientAuthRefusal | null {
  return caller === null ? null : authorizeNeed(caller, need);
}

/**
 * For read-only routes (GET /watch): null when the request's key may read every key under
 * `prefix`, else the 401 or 403 to answer. No Origin or content-type check: a GET changes
 * nothing, and a foreign page cannot read the answer without CORS headers.
 */
export function authorizeRead(
  d: ClientAccessDeps,
  req: IncomingMessage,
  prefix: string,
): ClientAuthRefusal | null {
  const caller = authenticate(d, req);
  if (isRefusal(caller)) return caller;
  return authorizeCaller(caller, { write: false, keys: { prefix } });
}

export function isRefusal(x: Caller | ClientAuthRefusal): x is ClientAuthRefusal {
  return x !== null && 'status' in x;
}

/** A body is coming when its length is declared above zero or it is chunked. */
function hasBody(req: IncomingMessage): boolean {
  const declared = declaredBodyBytes(req);
  return declared === null ? req.headers['transfer-encoding'] !== undefined : declared > 0;
}
