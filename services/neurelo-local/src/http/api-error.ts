import type { ErrorRequestHandler } from 'express';
import { DatabaseUnavailableError } from '../db/database';

/**
 * An error that becomes Neurelo's error envelope:
 * `{"errors": [{"error": message, "details": {...}}]}` with `status`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(400, message, details);
export const notFound = (message: string): ApiError => new ApiError(404, message);

export function errorEnvelope(message: string, details?: Record<string, unknown>): object {
  return { errors: [details ? { error: message, details } : { error: message }] };
}

/** Connection-level failures of pg and PGlite that mean "the database is down", not "bad request". */
export function isDatabaseOutage(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      '57P01',
      '57P02',
      '57P03',
      '53300',
      '08000',
      '08003',
      '08006',
      '08001',
      '08004',
    ].includes(code)
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
}

/** Turns any error into the envelope; an outage is 503, a Postgres input error is 400. */
export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof ApiError) {
    res.status(err.status).json(errorEnvelope(err.message, err.details));
    return;
  }
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  if (e?.type === 'entity.too.large') {
    res.status(400).json(errorEnvelope('request body is too large'));
    return;
  }
  if (e?.type === 'entity.parse.failed') {
    res.status(400).json(errorEnvelope('request body is not valid JSON'));
    return;
  }
  if (isDatabaseOutage(err)) {
    res.status(503).json(errorEnvelope('the database is unavailable; retry later'));
    return;
  }
  // Postgres class 22 (data exception) and 23 (integrity constraint violation) are the caller's fault.
  if (typeof e?.code === 'string' && /^(22|23)/.test(e.code)) {
    res.status(400).json(errorEnvelope(e.message ?? 'invalid data', { code: e.code }));
    return;
  }
  res.status(500).json(errorEnvelope('internal error'));
};
