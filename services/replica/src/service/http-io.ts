import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small node:http helpers for the client routes (no framework on the hot path). */

/** The machine-readable `code` of every client error the replica answers. */
export type ClientErrorCode =
  | 'invalid-command'
  | 'request-id-conflict'
  | 'session-unknown'
  | 'request-too-old'
  | 'too-large'
  | 'kv-quota-exceeded'
  | 'not-ready'
  | 'overloaded'
  | 'timeout'
  /** This replica is in no configuration it knows (it left, or it has not joined yet). */
  | 'not-member'
  /** POST /admin/reconfigure: disabled, a missing or wrong key, a bad body, a refusal. */
  | 'admin-disabled'
  /** A missing or wrong key (client or admin). */
  | 'unauthorized'
  /** A client key used beyond its rights: a read-only key's write, a key outside its prefix. */
  | 'forbidden'
  /** A browser request from an Origin neither listed in ALLOWED_ORIGINS nor the replica's own. */
  | 'origin-refused'
  /** A state-changing request whose body is not application/json. */
  | 'unsupported-media-type'
  | 'invalid-reconfiguration'
  | 'reconfiguration-pending'
  | 'reconfiguration-invalid';

/** How long a client told 503 waits before trying again, in seconds. */
export const RETRY_AFTER_SECONDS = 1;

export function reply(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** 503: try again later, with the same request number. */
export function replyUnavailable(
  res: ServerResponse,
  code: 'not-ready' | 'overloaded' | 'not-member',
  error: string,
): void {
  reply(res, 503, { code, error, retryable: true }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
}

export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before sending its whole request');
    this.name = 'ClientGoneError';
  }
}

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body bytes a request says it will send, or null when it does not say (chunked). */
export function declaredBodyBytes(req: IncomingMessage): number | null {
  const declared = Number(req.headers['content-length']);
  return Number.isSafeInteger(declared) && declared >= 0 ? declared : null;
}

/**
 * The body as UTF-8 text; rejects with BodyTooLargeError (and stops keeping it) past `limit`,
 * and with ClientGoneError if the connection closes before the body is complete.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = declaredBodyBytes(req);
    if (declared !== null && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    req.on('error', () => reject(new ClientGoneError()));
    req.on('close', () => {
      if (!req.complete) reject(new ClientGoneError());
    });
  });
}

/** Whether `url` is exactly `path` (with an optional trailing slash or query). */
export function isPath(url: string | undefined, path: string): boolean {
  if (!url?.startsWith(path)) return false;
  const rest = url.slice(path.length);
  return rest === '' || rest === '/' || rest.startsWith('?');
}

/**
 * Calls `onGone` if the client goes away before its answer is written (the connection closed
 * first). Node emits 'close' on the response in both cases; only then is it unfinished.
 */
export function onClientGone(res: ServerResponse, onGone: () => void): void {
  res.once('close', () => {
    if (!res.writableFinished) onGone();
  });
}
