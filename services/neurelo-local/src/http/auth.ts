import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './api-error';

export interface ApiKeys {
  /** Keys allowed everything. */
  readWrite: string[];
  /** Keys allowed only reads of the REST endpoints. */
  readOnly: string[];
}

/**
 * What a read-only key may do on the routes behind this middleware: nothing (`/custom`: Neurelo
 * requires a read-write key for every custom query, even one that only reads) or GET/HEAD
 * (`/rest`).
 */
export type ReadOnlyAccess = 'none' | 'reads';

/**
 * `X-API-KEY`: a missing or unknown key is 401, a read-only key asking for more is 403. Keys are
 * compared through their SHA-256 digests in constant time, so response timing does not reveal
 * how much of a guessed key was right. The key itself is never logged or echoed.
 */
export function requireApiKey(keys: ApiKeys, readOnlyAccess: ReadOnlyAccess): RequestHandler {
  const check = apiKeyCheck(keys, readOnlyAccess);
  return (req, _res, next) => {
    const refusal = check(req.get('x-api-key'), req.method);
    if (refusal) throw refusal;
    next();
  };
}

/**
 * The same rule as a function, for routes served without express: the error to answer with,
 * or null when the key may make this call.
 */
export function apiKeyCheck(
  keys: ApiKeys,
  readOnlyAccess: ReadOnlyAccess,
): (key: string | undefined, method: string) => ApiError | null {
  const readWrite = keys.readWrite.map(digest);
  const readOnly = keys.readOnly.map(digest);
  return (key, method) => {
    if (!key) return new ApiError(401, 'missing API key: send it in the X-API-KEY header');
    const given = digest(key);
    if (matchesAny(given, readWrite)) return null;
    if (!matchesAny(given, readOnly)) return new ApiError(401, 'invalid API key');
    const isRead = method === 'GET' || method === 'HEAD';
    if (readOnlyAccess === 'reads' && isRead) return null;
    return new ApiError(
      403,
      readOnlyAccess === 'none'
        ? 'custom queries need a read-write API key'
        : 'this API key is read-only',
    );
  };
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

function matchesAny(given: Buffer, candidates: Buffer[]): boolean {
  // No early exit: every candidate is compared.
  let found = false;
  for (const c of candidates) found = timingSafeEqual(given, c) || found;
  return found;
}
