import type { ErrorRequestHandler } from 'express';
import { isDatabaseOutage } from '../db/outage';

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

export interface ErrorResponse {
  status: number;
  body: object;
}

/** How an error is answered: an outage is 503, a Postgres input error is 400, the rest is 500. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof ApiError) {
    return { status: err.status, body: errorEnvelope(err.message, err.details) };
  }
  const e = err as {
    type?: string;
    code?: string;
    message?: string;
    detail?: string;
    limit?: number;
    length?: number;
  } | null;
  if (e?.type === 'entity.too.large') {
    const limit = typeof e.limit === 'number' ? ` of ${e.limit} bytes` : '';
    return {
      status: 400,
      body: errorEnvelope(`request body is too large: it exceeds the limit${limit}`, {
        limitBytes: e.limit,
        lengthBytes: e.length,
      }),
    };
  }
  if (e?.type === 'entity.parse.failed') {
    return { status: 400, body: errorEnvelope('request body is not valid JSON') };
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { status: 400, body: errorEnvelope(e.message ?? 'unsupported request body encoding') };
  }
  if (isDatabaseOutage(err)) {
    return { status: 503, body: errorEnvelope('the database is unavailable; retry later') };
  }
  // Postgres class 21 (cardinality: e.g. one key twice in an upsert), 22 (data exception: bad
  // JSON, out-of-range number, NUL or an untranslatable character) and 23 (integrity: a missing
  // required field) are the caller's fault.
  if (typeof e?.code === 'string' && /^(21|22|23)[0-9A-Z]{3}$/.test(e.code)) {
    return { status: 400, body: dataErrorEnvelope(e.code, e.message, e.detail) };
  }
  return { status: 500, body: errorEnvelope('internal error') };
}

/**
 * A query's range check fails by casting its sentence to boolean (neurelo/README.md, "Range
 * checks"), so Postgres reports `invalid input syntax for type boolean: "<sentence>"`. The
 * sentence starts with the variable's name.
 */
const RANGE_CHECK =
  /^invalid input syntax for type boolean: "(([A-Za-z_][A-Za-z0-9_]*) must be [^"]*)"$/;

/**
 * The answer to a data error: Postgres's message, with its detail when it has one (for
 * `unsupported Unicode escape sequence` the detail says `\u0000 cannot be converted to text`).
 * A failed range check is answered like a mistyped variable: its sentence, and
 * `details.variable` naming the variable.
 */
function dataErrorEnvelope(
  code: string,
  message: string | undefined,
  detail: string | undefined,
): object {
  const rangeCheck = code === '22P02' ? RANGE_CHECK.exec(message ?? '') : null;
  if (rangeCheck) return errorEnvelope(rangeCheck[1]!, { code, variable: rangeCheck[2]! });
  const text = message ?? 'invalid data';
  return errorEnvelope(detail ? `${text}: ${detail}` : text, { code });
}

/** Renders any error as the envelope. */
export const errorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  // The answer has started (or the client is gone): let express close the connection.
  if (res.headersSent) {
    next(err);
    return;
  }
  const { status, body } = toErrorResponse(err);
  res.status(status).json(body);
};
