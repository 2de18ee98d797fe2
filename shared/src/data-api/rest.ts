import { z } from 'zod';
import type { DataApiClient } from './client';
import { parseData } from './envelope';

/**
 * The auto-generated REST endpoints (`/rest/{object}`), enough for tools and tests. The
 * fleet's hot paths use custom queries instead: they need several writes in one statement.
 *
 * A create is not idempotent: if its answer is lost and the client retries, the second
 * attempt may be refused as a duplicate identifier (or insert twice without one).
 */

export type SortDirection = 'asc' | 'desc';

export interface FindManyOptions<T> {
  /** A Prisma-like where-object (`{ dst: 'acceptor-0' }`, `{ seq: { gt: 10 } }`). */
  filter?: Record<string, unknown>;
  /** `{ $scalars: true }` or `{ field: true }`. */
  select?: Record<string, boolean>;
  orderBy?: Array<Record<string, SortDirection>>;
  skip?: number;
  take?: number;
  rowSchema?: z.ZodType<T>;
  signal?: AbortSignal;
}

const CountSchema = z.object({ count: z.number().int().min(0) });
const PLAIN_ROW_SCHEMA = z.record(z.string(), z.unknown());
const OBJECT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class RestApi {
  constructor(private readonly client: Pick<DataApiClient, 'request'>) {}

  async findMany<T = Record<string, unknown>>(
    object: string,
    options: FindManyOptions<T> = {},
  ): Promise<T[]> {
    const path = objectPath(object);
    const response = await this.client.request({
      method: 'GET',
      path,
      query: {
        filter: jsonOrUndefined(options.filter),
        select: jsonOrUndefined(options.select),
        order_by: jsonOrUndefined(options.orderBy),
        skip: options.skip,
        take: options.take,
      },
      signal: options.signal,
    });
    const rowSchema = (options.rowSchema ?? PLAIN_ROW_SCHEMA) as z.ZodType<T>;
    return parseData(z.array(rowSchema), response.data, 'GET', path);
  }

  async createOne<T = Record<string, unknown>>(
    object: string,
    row: Record<string, unknown>,
    options: { rowSchema?: z.ZodType<T>; signal?: AbortSignal } = {},
  ): Promise<T> {
    const path = `${objectPath(object)}/__one`;
    const response = await this.client.request({
      method: 'POST',
      path,
      body: row,
      signal: options.signal,
    });
    const rowSchema = (options.rowSchema ?? PLAIN_ROW_SCHEMA) as z.ZodType<T>;
    return parseData(rowSchema, response.data, 'POST', path);
  }

  /** Returns how many rows were created. */
  async createMany(
    object: string,
    rows: Array<Record<string, unknown>>,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    if (rows.length === 0) return 0; // the API refuses an empty array
    const path = objectPath(object);
    const response = await this.client.request({
      method: 'POST',
      path,
      body: rows,
      signal: options.signal,
    });
    return parseData(CountSchema, response.data, 'POST', path).count;
  }

  /** Returns how many rows were deleted. A filter is required: no client of ours empties a table. */
  async deleteMany(
    object: string,
    filter: Record<string, unknown>,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const path = objectPath(object);
    const response = await this.client.request({
      method: 'DELETE',
      path,
      query: { filter: JSON.stringify(filter) },
      signal: options.signal,
    });
    return parseData(CountSchema, response.data, 'DELETE', path).count;
  }
}

function objectPath(object: string): string {
  if (!OBJECT_NAME_PATTERN.test(object)) throw new RangeError(`invalid object name: ${object}`);
  return `/rest/${object}`;
}

function jsonOrUndefined(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}
