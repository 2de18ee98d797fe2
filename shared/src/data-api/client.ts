import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { z } from 'zod';
import { retryDelayMs } from './backoff';
import {
  SuccessEnvelopeSchema,
  describeIssues,
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
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export class DataApiClient {
  readonly baseUrl: string;
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
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
    // Keep-alive: every consumer polls the same host all day; a TLS handshake per call would
    // cost more than the query.
    this.httpAgent = new http.Agent({ keepAlive: true });
    this.httpsAgent = new https.Agent({ keepAlive: true });
    this.http = axios.create({
      baseURL: this.baseUrl,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      headers: { 'X-API-KEY': options.apiKey, Accept: 'application/json' },
      // Status, JSON and timeouts are handled here, the same way for every answer.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(text: unknown) => text],
      maxRedirects: 0,
      timeout: 0,
    });
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
    });
    const rowSchema = (options.rowSchema ?? PLAIN_ROW_SCHEMA) as z.ZodType<T>;
    const rows = parseData(z.array(rowSchema), response.data, method, path);
    return { rows, longPolled: response.longPolled };
  }

  /** One logical call: attempts until an answer, a 4xx, the caller's abort, or no retries left. */
  async request(request: DataApiRequest): Promise<DataApiResponse> {
    const { method, path, signal } = request;
    if (request.waitSeconds !== undefined) assertWaitSeconds(request.waitSeconds);
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(request);
      if (outcome.kind === 'answered') return outcome.response;
      if (attempt > this.retries) {
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
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async attempt(request: DataApiRequest): Promise<AttemptOutcome> {
    const { method, path, signal } = request;
    if (signal?.aborted) throw new DataApiAbortedError(method, path);
    const attemptTimeoutMs = this.timeoutMs + (request.waitSeconds ?? 0) * 1000;
    // One controller per attempt, aborted by our timer or by the caller: the timer covers the
    // whole exchange (connect, a server that never answers, a body that never ends).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, attemptTimeoutMs);
    const onCallerAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const response = await this.http.request<string>({
        method,
        url: path + queryString(request.query),
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
        headers: {
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(request.waitSeconds === undefined ? {} : { Prefer: `wait=${request.waitSeconds}` }),
        },
        signal: controller.signal,
      });
      return interpret(method, path, response);
    } catch (error) {
      if (signal?.aborted) throw new DataApiAbortedError(method, path);
      if (timedOut) return { kind: 'retryable', failure: `TIMEOUT after ${attemptTimeoutMs} ms` };
      if (isAxiosError(error)) {
        // Only the code and message travel on: the axios error holds the request headers.
        if (error.response === undefined) {
          return { kind: 'retryable', failure: error.code ?? error.message };
        }
        throw new DataApiResponseError(method, path, error.code ?? error.message);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}

function interpret(method: HttpMethod, path: string, response: AxiosResponse): AttemptOutcome {
  const text = typeof response.data === 'string' ? response.data : '';
  const body = parseJsonBody(text);
  const { status } = response;
  if (status >= 500) {
    const [first] = errorMessagesOf(body, text);
    return { kind: 'retryable', failure: `HTTP ${status}${first ? `: ${first}` : ''}` };
  }
  if (status >= 400)
    throw new DataApiRequestError(method, path, status, errorMessagesOf(body, text));
  if (status < 200 || status >= 300) {
    throw new DataApiResponseError(method, path, `unexpected status ${status}`);
  }
  const envelope = SuccessEnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    throw new DataApiResponseError(method, path, describeIssues(envelope.error));
  }
  const applied = response.headers['preference-applied'] as unknown;
  const longPolled = typeof applied === 'string' && /(^|[\s,;])wait=\d+/.test(applied);
  return { kind: 'answered', response: { status, data: envelope.data.data, longPolled } };
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
