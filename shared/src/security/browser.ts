import { LIMITS } from '../limits';

/**
 * Browser safety of the state-changing endpoints. A web page can make a visitor's browser POST
 * to any address it names, with a body of type text/plain, form-urlencoded or multipart and no
 * preflight; it cannot send application/json, or an Authorization header, without the server's
 * consent (a CORS preflight, which nothing here grants). So a state-changing endpoint accepts
 * only application/json, and refuses an Origin it does not know even then.
 */

export type BrowserRefusal =
  | { status: 403; code: 'origin-refused'; error: string }
  | { status: 415; code: 'unsupported-media-type'; error: string };

/** ALLOWED_ORIGINS: comma-separated origins (scheme://host[:port]), normalised. */
export function parseAllowedOrigins(raw: string | undefined): ReadonlySet<string> {
  const origins = (raw ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  if (origins.length > LIMITS.allowedOriginsMax) {
    throw new Error(`ALLOWED_ORIGINS lists more than ${LIMITS.allowedOriginsMax} origins`);
  }
  return new Set(
    origins.map((o) => {
      let url: URL;
      try {
        url = new URL(o);
      } catch {
        throw new Error(`ALLOWED_ORIGINS: ${o} is not an origin (scheme://host[:port])`);
      }
      if (url.origin === 'null' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
        throw new Error(`ALLOWED_ORIGINS: ${o} is not an origin (scheme://host[:port])`);
      }
      return url.origin;
    }),
  );
}

export interface BrowserRequestFacts {
  /** The Origin header; undefined when absent (curl, servers: no browser involved). */
  origin: string | undefined;
  /** The Host header: an origin naming the same host is the service's own page. */
  host: string | undefined;
  contentType: string | undefined;
  /** Whether the request carries a body; an empty one needs no type. */
  hasBody: boolean;
}

/** null: the request may go on; else the refusal to answer. The Origin is judged first. */
export function browserRequestRefusal(
  facts: BrowserRequestFacts,
  allowedOrigins: ReadonlySet<string>,
): BrowserRefusal | null {
  if (facts.origin !== undefined && !originAllowed(facts.origin, facts.host, allowedOrigins)) {
    return {
      status: 403,
      code: 'origin-refused',
      error: 'requests from this Origin are refused (list it in ALLOWED_ORIGINS to allow it)',
    };
  }
  if (facts.contentType === undefined ? facts.hasBody : !isJsonMediaType(facts.contentType)) {
    return {
      status: 415,
      code: 'unsupported-media-type',
      error: 'send the body as application/json',
    };
  }
  return null;
}

function originAllowed(
  origin: string,
  host: string | undefined,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  if (allowedOrigins.has(origin)) return true;
  // "null" (a sandboxed frame, a file: page) names no host, so it is never this service's own.
  if (origin === 'null' || host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** `application/json`, with parameters (charset) or not, in any case. */
export function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
}
