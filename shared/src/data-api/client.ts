import { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import { z } from 'zod';
import { retryDelayMs } from './backoff';
import {
  SuccessEnvelopeSchema,
  describeResponseIssues,
  errorMessagesOf,
  parseData,
  parseJsonBody,
} from './envelope';
import {
  DataApiAbortedError,
  DataApiRequestError,
  DataApiResponseError,
  DataApiUnavailableError,
} from './errors';
import { type Sleep, sleepMs } from './sleep';

/**
 * The transport to Neurelo's data API (hosted, or the local server): one HTTP request per
 * call, validated envelopes, retries for failures that are not the request's fault.
 *
 * Retried: network errors, attempts that outlast their timeout, and 5xx answers (503 is
 * Neurelo's "timed out"). Never retried: 4xx, since the same request would be refused again.
 * A retry resends the very same request, so callers that write make their writes idempotent
 * (the queue wrappers give every message an id before the first attempt).
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean;

/** The longest long poll the local server grants (`Prefer: wait=1..20`). */
export const LONG_POLL_SECONDS_MAX = 20;

export interface DataApiRequest {
  method: HttpMethod;
  /** Below the base URL, starting with '/': `/custom/queue_claim`, `/rest/queue_item`. */
  path: string;
  query?: Record<string, QueryValue | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Asks for a long poll (`Prefer: wait=N`); each attempt's timeout grows by the wait. */
  waitSeconds?: number;
  signal?: AbortSignal;
  /** This call's attempt budget instead of the client's (a probe that must answer quickly). */
  timeoutMs?: number;
  /** This call's extra attempts instead of the client's (0: a probe reports the first failure). */
  retries?: number;
}

export interface DataApiResponse {
  status: number;
  /** The envelope's `data`, not yet validated against a row shape. */
  data: unknown;
  /** The server answered `Preference-Applied: wait=N` (the local server does, hosted Neurelo not). */
  longPolled: boolean;
}

export interface RetryEvent {
  method: HttpMethod;
  path: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  failure: string;
}

export interface DataApiClientOptions {
  /** Without a trailing slash (loadDataApiConfig normalises it). */
  baseUrl: string;
  apiKey: string;
  /** Budget of one attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first. */
  retries?: number;
  retryDelayMsBase?: number;
  retryDelayMsMax?: number;
  random?: () => number;
  sleep?: Sleep;
  /** Called before each retry's wait (for a log line or a counter; it never sees the key). */
  onRetry?: (event: RetryEvent) => void;
}

export interface CustomQueryOptions<T> {
  waitSeconds?: number;
  signal?: AbortSignal;
  /** See DataApiRequest.timeoutMs. */
  timeoutMs?: number;
  /** See DataApiRequest.retries. */
  retries?: number;
  /** Validates (and may coerce) each row; rows must at least be objects without it. */
  rowSchema?: z.ZodType<T>;
}

export interface CustomQueryResult<T> {
  rows: T[];
  longPolled: boolean;
}

type AttemptOutcome =
  { kind: 'answered'; response: DataApiResponse } | { kind: 'retryable'; failure: string };

const PLAIN_ROW_SCHEMA = z.record(z.string(), z.unknown());
const PLAIN_ROWS_SCHEMA = z.array(PLAIN_ROW_SCHEMA);
/** `z.array(rowSchema)` per row schema, built once: building a zod schema costs more than a parse. */
const ROWS_SCHEMAS = new WeakMap<z.ZodType, z.ZodType>();
/** Connections to the data API; generous, since long polls hold theirs for up to 20 s. */
const MAX_CONNECTIONS = 64;
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export class DataApiClient {
  readonly baseUrl: string;
  /** Keep-alive connections to the base URL's origin. */
  private readonly pool: Pool;
  /** The base URL's path without a trailing slash ('' for a bare host). */
  private readonly basePath: string;
  /** The headers every request carries (the key among them); never copied into an error. */
  private readonly baseHeaders: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMsBase: number;
  private readonly retryDelayMsMax: number;
  private readonly random: () => number;
  private readonly sleep: Sleep;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: DataApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 5;
    this.retryDelayMsBase = options.retryDelayMsBase ?? 50;
    this.retryDelayMsMax = options.retryDelayMsMax ?? 2_000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? sleepMs;
    this.onRetry = options.onRetry;
    const url = new URL(this.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new RangeError(`unsupported data API protocol: ${url.protocol}`);
    }
    // Keep-alive: every consumer polls the same host all day; a TLS handshake per call would
    // cost more than the query. undici rather than node:http: a role makes two calls per step,
    // and node:http's request machinery was the largest part of a busy role's CPU. Its own
    // timeouts are off: each attempt's timer (attempt()) covers the whole exchange.
    this.pool = new Pool(url.origin, {
      connections: MAX_CONNECTIONS,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.baseHeaders = { 'X-API-KEY': options.apiKey, Accept: 'application/json' };
  }

  /** Runs custom query `name` (`/custom/{name}`) and validates its rows. */
  async custom<T = Record<string, unknown>>(
    name: string,
    method: HttpMethod,
    variables: Record<string, QueryValue> = {},
    options: CustomQueryOptions<T> = {},
  ): Promise<CustomQueryResult<T>> {
    if (!NAME_PATTERN.test(name)) throw new RangeError(`invalid custom query name: ${name}`);
    // Neurelo's rule: GET and DELETE carry variables in the query string, the others in a body.
    const variablesInQuery = method === 'GET' || method === 'DELETE';
    const path = `/custom/${name}`;
    const response = await this.request({
      method,
      path,
      query: variablesInQuery ? variables : undefined,
      body: variablesInQuery ? undefined : variables,
      waitSeconds: options.waitSeconds,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
    });
    const rows =
      options.rowSchema === undefined
        ? (plainRows(response.data) ?? parseData(PLAIN_ROWS_SCHEMA, response.data, method, path))
        : parseData(rowsSchemaOf(options.rowSchema), response.data, method, path);
    return { rows: rows as T[], longPolled: response.longPolled };
  }

  /** One logical call: attempts until an answer, a 4xx, the caller's abort, or no retries left. */
  async request(request: DataApiRequest): Promise<DataApiResponse> {
    const { method, path, signal } = request;
    if (request.waitSeconds !== undefined) assertWaitSeconds(request.waitSeconds);
    const retries = request.retries ?? this.retries;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(request);
      if (outcome.kind === 'answered') return outcome.response;
      if (attempt > retries) {
        throw new DataApiUnavailableError(method, path, attempt, outcome.failure);
      }
      const delayMs = retryDelayMs(attempt, {
        delayMsBase: this.retryDelayMsBase,
        delayMsMax: this.retryDelayMsMax,
        random: this.random,
      });
      this.onRetry?.({ method, path, retry: attempt, delayMs, failure: outcome.failure });
      await this.sleep(delayMs, signal);
      if (signal?.aborted) throw new DataApiAbortedError(method, path);
    }
  }

  /** Frees the keep-alive sockets so a process (or a test) can exit promptly. */
  close(): void {
    void this.pool.destroy();
  }

  /**
   * One HTTP exchange on the keep-alive pool. Every status resolves (the caller interprets it);
   * network failures reject with a TransportError, and so does `exchange.cancel()` (the caller
   * knows whether it timed out or was aborted).
   */
  private async send(request: DataApiRequest, exchange: Exchange): Promise<RawResponse> {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string> = { ...this.baseHeaders };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (request.waitSeconds !== undefined) headers.Prefer = `wait=${request.waitSeconds}`;
    // An emitter, not an AbortController: undici listens for 'abort' on either, and the
    // controller's event machinery cost a few % of a busy role's CPU.
    const cancelled = new EventEmitter();
    exchange.cancel = () => cancelled.emit('abort');
    try {
      const response = await this.pool.request({
        method: request.method,
        path: this.basePath + request.path + queryString(request.query),
        headers,
        body: payload,
        signal: cancelled,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      throw transportErrorOf(error);
    }
  }

  private async attempt(request: DataApiRequest): Promise<AttemptOutcome> {
    const { method, path, signal } = request;
    if (signal?.aborted) throw new DataApiAbortedError(method, path);
    const attemptTimeoutMs =
      (request.timeoutMs ?? this.timeoutMs) + (request.waitSeconds ?? 0) * 1000;
    // The timer covers the whole exchange (connect, a server that never answers, a body that
    // never ends). It and the caller's signal cancel the request through the exchange.
    const exchange: Exchange = { cancel: () => undefined };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      exchange.cancel();
    }, attemptTimeoutMs);
    const onCallerAbort = (): void => exchange.cancel();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const response = await this.send(request, exchange);
      return interpret(method, path, response);
    } catch (error) {
      if (signal?.aborted) throw new DataApiAbortedError(method, path);
      if (timedOut) return { kind: 'retryable', failure: `TIMEOUT after ${attemptTimeoutMs} ms` };
      if (error instanceof TransportError) return { kind: 'retryable', failure: error.message };
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}

/** One attempt's handle: `cancel` destroys its request once one has been made. */
interface Exchange {
  cancel: () => void;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A network failure of one attempt (refused, reset, a body cut short). It carries only the
 * error's code or message: Node's errors never hold the request headers, and neither may this.
 */
class TransportError extends Error {}

function transportErrorOf(error: unknown): TransportError {
  // Duck-typed: errors from another realm (a test sandbox) fail `instanceof Error`.
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code !== '') return new TransportError(code);
    if (typeof message === 'string') return new TransportError(message);
  }
  return new TransportError(String(error));
}

function interpret(method: HttpMethod, path: string, response: RawResponse): AttemptOutcome {
  const { status, text } = response;
  const body = parseJsonBody(text);
  if (status >= 500) {
    const [first] = errorMessagesOf(body, text);
    return { kind: 'retryable', failure: `HTTP ${status}${first ? `: ${first}` : ''}` };
  }
  if (status >= 400)
    throw new DataApiRequestError(method, path, status, errorMessagesOf(body, text));
  if (status < 200 || status >= 300) {
    throw new DataApiResponseError(method, path, `unexpected status ${status}`);
  }
  let data: unknown;
  if (isPlainObject(body) && 'data' in body) {
    // The envelope check without zod, on every answer; zod only to word a refusal.
    data = body.data;
  } else {
    const envelope = SuccessEnvelopeSchema.safeParse(body);
    if (!envelope.success) {
      throw new DataApiResponseError(method, path, describeResponseIssues(envelope.error));
    }
    data = envelope.data.data;
  }
  const applied = response.headers['preference-applied'] as unknown;
  const longPolled = typeof applied === 'string' && /(^|[\s,;])wait=\d+/.test(applied);
  return { kind: 'answered', response: { status, data, longPolled } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `data` as rows when it is a list of objects (what PLAIN_ROW_SCHEMA accepts), else undefined. */
function plainRows(data: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(data)) return undefined;
  for (const row of data) if (!isPlainObject(row)) return undefined;
  return data as Record<string, unknown>[];
}

function rowsSchemaOf(rowSchema: z.ZodType): z.ZodType {
  let rowsSchema = ROWS_SCHEMAS.get(rowSchema);
  if (rowsSchema === undefined) {
    rowsSchema = z.array(rowSchema);
    ROWS_SCHEMAS.set(rowSchema, rowsSchema);
  }
  return rowsSchema;
}

function queryString(query: Record<string, QueryValue | undefined> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.append(name, String(value));
  }
  const encoded = params.toString();
  return encoded === '' ? '' : `?${encoded}`;
}

function assertWaitSeconds(waitSeconds: number): void {
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > LONG_POLL_SECONDS_MAX) {
    throw new RangeError(`waitSeconds must be a whole number in 1..${LONG_POLL_SECONDS_MAX}`);
  }
}
