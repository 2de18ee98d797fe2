/**
 * A PaxosClient's options, resolved once when the client is made: every field below is
 * required in ResolvedOptions, so no call falls back to a default of its own.
 */

export interface RetryOptions {
  /** Attempts of one call (the first included) before UnavailableError; the retry bound. */
  attemptsMax?: number;
  /** The first pause after a network error, doubled after each until backoffMsMax. */
  backoffMsInitial?: number;
  backoffMsMax?: number;
  /** A 503's Retry-After is honoured up to this long (a longer one is cut to it). */
  retryAfterMsMax?: number;
}

export interface PaxosClientOptions {
  /** Replica base URLs, e.g. `http://127.0.0.1:7121`; tried in order, moving on on failure. */
  endpoints: string[];
  /** Sent as `Authorization: Bearer <apiKey>`; omit when the fleet runs without client keys. */
  apiKey?: string;
  /** One call's whole budget, retries included (TimeoutError past it). Default 30 s. */
  timeoutMs?: number;
  /**
   * One HTTP attempt's budget. Default 15 s: above the replicas' COMMAND_TIMEOUT_MS (10 s), so
   * a slow decision comes back as their 504 rather than as a cut connection.
   */
  attemptTimeoutMs?: number;
  retry?: RetryOptions;
  /**
   * Commands one session keeps in flight, at most 16: a replica keeps the answers of a
   * session's 16 highest request ids, and a request id below all of them is refused as
   * too old. Calls past it wait their turn in the client.
   */
  inFlightMax?: number;
}

/** A session's answers kept by the replicas (LIMITS.responsesPerSessionMax on the server). */
export const SESSION_IN_FLIGHT_MAX = 16;

export interface ResolvedOptions {
  endpoints: string[];
  apiKey: string | null;
  timeoutMs: number;
  attemptTimeoutMs: number;
  attemptsMax: number;
  backoffMsInitial: number;
  backoffMsMax: number;
  retryAfterMsMax: number;
  inFlightMax: number;
}

export function resolveOptions(o: PaxosClientOptions): ResolvedOptions {
  if (!Array.isArray(o.endpoints) || o.endpoints.length === 0) {
    throw new TypeError('PaxosClient needs at least one endpoint (a replica URL)');
  }
  const endpoints = o.endpoints.map((e) => {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      throw new TypeError(`endpoint ${JSON.stringify(e)} is not a URL (http://host:port)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`endpoint ${e} must be http:// or https://`);
    }
    return e.replace(/\/+$/, '');
  });
  const r = o.retry ?? {};
  return {
    endpoints,
    apiKey: o.apiKey ? o.apiKey : null,
    timeoutMs: positive('timeoutMs', o.timeoutMs ?? 30_000),
    attemptTimeoutMs: positive('attemptTimeoutMs', o.attemptTimeoutMs ?? 15_000),
    attemptsMax: positive('retry.attemptsMax', r.attemptsMax ?? 30),
    backoffMsInitial: positive('retry.backoffMsInitial', r.backoffMsInitial ?? 50),
    backoffMsMax: positive('retry.backoffMsMax', r.backoffMsMax ?? 1_000),
    retryAfterMsMax: positive('retry.retryAfterMsMax', r.retryAfterMsMax ?? 10_000),
    inFlightMax: between(
      'inFlightMax',
      o.inFlightMax ?? SESSION_IN_FLIGHT_MAX,
      1,
      SESSION_IN_FLIGHT_MAX,
    ),
  };
}

function positive(name: string, n: number): number {
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`${name} must be a positive number`);
  return n;
}

function between(name: string, n: number, low: number, high: number): number {
  if (!Number.isInteger(n) || n < low || n > high) {
    throw new TypeError(`${name} must be an integer from ${low} to ${high}`);
  }
  return n;
}
