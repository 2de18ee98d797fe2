import { badRequest } from '../http/api-error';
import { quoted } from './field-values';

/**
 * Reads the query string of a REST call: `select`, `filter`, `order_by` are URL-encoded
 * JSON, `skip` and `take` non-negative integers. A parameter the endpoint does not take is
 * refused rather than ignored, so a typo such as `orderBy` cannot silently change a result.
 */

export type QueryParamName = 'select' | 'filter' | 'order_by' | 'skip' | 'take';

export interface QueryParams {
  select?: unknown;
  filter?: unknown;
  orderBy?: unknown;
  skip?: number;
  take?: number;
}

/**
 * The most rows one find-many returns, and what it returns when `take` is absent: a queue
 * table can be large, and an unbounded answer would be held in memory twice (rows, JSON).
 * Page with `skip` for more.
 */
export const TAKE_MAX = 1000;

const JSON_PARAMS = { select: 'select', filter: 'filter', order_by: 'orderBy' } as const;

export function readQueryParams(
  query: Record<string, unknown>,
  allowed: readonly QueryParamName[],
): QueryParams {
  const out: QueryParams = {};
  for (const [name, raw] of Object.entries(query)) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw badRequest(
        `query parameter ${quoted(name)} is not understood here; this endpoint takes: ${allowed.join(', ') || 'none'}`,
        { parameter: name },
      );
    }
    if (typeof raw !== 'string')
      throw badRequest(`query parameter ${name} is given more than once`, { parameter: name });
    if (name === 'skip' || name === 'take') {
      out[name] = nonNegativeInteger(name, raw);
    } else {
      out[JSON_PARAMS[name as keyof typeof JSON_PARAMS]] = jsonParam(name, raw);
    }
  }
  if (out.take !== undefined && out.take > TAKE_MAX) {
    throw badRequest(`take may be at most ${TAKE_MAX}; page through more rows with skip`, {
      parameter: 'take',
    });
  }
  return out;
}

function jsonParam(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw badRequest(`query parameter ${name} is not valid JSON: ${(err as Error).message}`, {
      parameter: name,
    });
  }
}

function nonNegativeInteger(name: string, raw: string): number {
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(n))
    throw badRequest(`query parameter ${name} must be a non-negative integer`, { parameter: name });
  return n;
}
