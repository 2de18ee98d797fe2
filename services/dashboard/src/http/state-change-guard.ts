import { browserRequestRefusal, type BrowserRefusal } from '@paxos/shared';
import type { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The header the page sends its token in. A custom header: a plain HTML form cannot set one. */
export const TOKEN_HEADER = 'x-dashboard-token';

export interface StateChangeGuardOptions {
  /** The token every state-changing request must carry. */
  token: string;
  /** Origins allowed besides the request's own host (exact `scheme://host:port`). */
  allowedOrigins: ReadonlySet<string>;
}

/** Why a state-changing request was refused: status, code and a message for the caller. */
export type Refusal = BrowserRefusal | { status: 401; code: 'unauthorized'; error: string };

export interface GuardedRequestFacts {
  origin?: string;
  host?: string;
  contentType?: string;
  hasBody: boolean;
  token?: string;
}

/**
 * Decides whether a request may change state. First the browser checks every state-changing
 * endpoint of the fleet shares (shared/src/security/browser.ts): a foreign Origin is refused
 * whatever it sends, and so is a body that is not JSON, which is all a page elsewhere can send
 * without a CORS preflight. Then the token, which only this service's page carries.
 */
export function refusalOf(facts: GuardedRequestFacts, o: StateChangeGuardOptions): Refusal | null {
  const browser = browserRequestRefusal(
    {
      origin: facts.origin,
      host: facts.host,
      contentType: facts.contentType,
      hasBody: facts.hasBody,
    },
    o.allowedOrigins,
  );
  if (browser !== null) return browser;
  if (facts.token === undefined || !sameSecret(facts.token, o.token)) {
    return {
      status: 401,
      code: 'unauthorized',
      error: `missing or wrong ${TOKEN_HEADER} header (the dashboard's page sends it)`,
    };
  }
  return null;
}

/** Express middleware for the state-changing routes. */
export function stateChangeGuard(o: StateChangeGuardOptions) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = refusalOf(
      {
        origin: req.get('origin'),
        host: req.get('host'),
        contentType: req.get('content-type'),
        hasBody: hasBody(req),
        token: req.get(TOKEN_HEADER),
      },
      o,
    );
    if (refusal) {
      res.status(refusal.status).json({ code: refusal.code, error: refusal.error });
      return;
    }
    next();
  };
}

/** A body is coming when it is chunked or announces a length above zero. */
const hasBody = (req: Request): boolean =>
  req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
