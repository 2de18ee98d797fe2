import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';

/** One HTTP exchange with a replica; status 0 when no answer came back (refused, reset, cut). */
export interface Exchange {
  status: number;
  body: unknown;
  /** A 503's Retry-After, in ms; null when absent or unreadable. */
  retryAfterMs: number | null;
  /** What went wrong when status is 0. */
  failure: string | null;
}

/** Raised by `exchange` when the caller's signal fired (not when the attempt timed out). */
export class CallerAborted extends Error {}

/**
 * The axios instance of one client: keep-alive agents (a call often makes several requests
 * to one replica), every status returned rather than thrown, JSON sent as text we made.
 */
export function makeHttp(): { http: AxiosInstance; close: () => void } {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const instance = axios.create({
    httpAgent,
    httpsAgent,
    validateStatus: () => true,
    transitional: { silentJSONParsing: true },
    maxRedirects: 0,
  });
  return {
    http: instance,
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

export function authHeaders(apiKey: string | null): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** POSTs JSON text; a failure to get an answer is status 0, never an exception (but abort). */
export async function postJson(
  client: AxiosInstance,
  url: string,
  bodyText: string,
  o: { apiKey: string | null; timeoutMs: number; signal: AbortSignal | undefined },
): Promise<Exchange> {
  const attempt = AbortSignal.timeout(Math.max(1, Math.ceil(o.timeoutMs)));
  const signal = o.signal ? AbortSignal.any([o.signal, attempt]) : attempt;
  try {
    const res = await client.post<unknown>(url, bodyText, {
      signal,
      headers: { 'content-type': 'application/json', ...authHeaders(o.apiKey) },
      responseType: 'text',
      transformResponse: (t: unknown) => t,
    });
    return {
      status: res.status,
      body: parseOrNull(res.data),
      retryAfterMs: retryAfterMsOf(res.headers['retry-after']),
      failure: null,
    };
  } catch (err) {
    if (o.signal?.aborted) throw new CallerAborted();
    const failure = attempt.aborted
      ? `no answer within ${Math.ceil(o.timeoutMs)} ms`
      : err instanceof Error
        ? err.message
        : String(err);
    return { status: 0, body: null, retryAfterMs: null, failure };
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMsOf(header: unknown, nowMs = Date.now()): number | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}

export function parseOrNull(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
