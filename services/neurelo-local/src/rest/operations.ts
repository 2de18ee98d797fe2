import type { Queryable } from '../db/database';
import { badRequest, notFound } from '../http/api-error';
import { identifierValueFromPath, quoted } from './field-values';
import type { Model } from './model';
import { translateOrderBy } from './order-by';
import { readQueryParams, TAKE_MAX } from './query-params';
import { apiRow } from './rows';
import { translateSelect } from './select';
import {
  createManyStatement,
  createOneStatement,
  deleteByIdStatement,
  deleteManyStatement,
  findByIdStatement,
  findManyStatement,
  updateByIdStatement,
  updateManyStatement,
  type IdentifierValue,
} from './statements';
import { valuesToCreate, valuesToUpdate } from './write-values';

/**
 * The REST operations, free of express: each reads what it needs from the request parts,
 * runs one statement and answers the status and the `{"data": ...}` body.
 */

export interface RestRequest {
  query: Record<string, unknown>;
  body: unknown;
  /** The `{value}` of `/rest/{m}/{value}`. */
  identifier?: string;
}

export interface RestResponse {
  status: 200 | 201;
  body: { data: unknown };
}

export type Operation = (
  db: Queryable,
  model: Model,
  request: RestRequest,
) => Promise<RestResponse>;

const ok = (data: unknown): RestResponse => ({ status: 200, body: { data } });
const created = (data: unknown): RestResponse => ({ status: 201, body: { data } });

export const findMany: Operation = async (db, model, { query }) => {
  const q = readQueryParams(query, ['select', 'filter', 'order_by', 'skip', 'take']);
  const select = translateSelect(model, q.select);
  const statement = findManyStatement(model, {
    filter: q.filter,
    select,
    orderBy: translateOrderBy(model, q.orderBy),
    skip: q.skip,
    take: q.take ?? TAKE_MAX,
  });
  const result = await db.query(statement.sql, statement.params);
  return ok(result.rows.map((row) => apiRow(select, row)));
};

export const createMany: Operation = async (db, model, { query, body }) => {
  readQueryParams(query, []);
  if (!Array.isArray(body)) {
    throw badRequest(
      `create many takes a JSON array of ${model.name} objects; POST /rest/${model.name}/__one creates one object`,
    );
  }
  if (body.length === 0) throw badRequest('create many takes at least one object');
  const rows = body.map((item, i) => valuesToCreate(model, item, `the body[${i}]`));
  const statement = createManyStatement(model, rows);
  const result = await db.query(statement.sql, statement.params);
  return created({ count: result.rowCount });
};

/**
 * A write to many rows must say which: whether hosted Neurelo treats a missing filter as
 * "every row" is unconfirmed, and guessing wrong would empty a queue. `filter={}` still
 * asks for every row, on purpose.
 */
function filterOfManyWrite(model: Model, verb: string, filter: unknown): unknown {
  if (filter === undefined) {
    throw badRequest(
      `${verb} /rest/${model.name} writes many rows and needs a filter; pass filter={} to mean every row`,
    );
  }
  return filter;
}

export const updateMany: Operation = async (db, model, { query, body }) => {
  const q = readQueryParams(query, ['filter']);
  const filter = filterOfManyWrite(model, 'PATCH', q.filter);
  const statement = updateManyStatement(model, filter, valuesToUpdate(model, body));
  const result = await db.query(statement.sql, statement.params);
  return ok({ count: result.rowCount });
};

export const deleteMany: Operation = async (db, model, { query }) => {
  const q = readQueryParams(query, ['filter']);
  const statement = deleteManyStatement(model, filterOfManyWrite(model, 'DELETE', q.filter));
  const result = await db.query(statement.sql, statement.params);
  return ok({ count: result.rowCount });
};

export const createOne: Operation = async (db, model, { query, body }) => {
  const q = readQueryParams(query, ['select']);
  const select = translateSelect(model, q.select);
  const statement = createOneStatement(model, valuesToCreate(model, body), select);
  const result = await db.query(statement.sql, statement.params);
  return created(apiRow(select, result.rows[0]!));
};

function identifierOfRequest(model: Model, text: string | undefined): IdentifierValue {
  if (model.identifier.length === 0) {
    throw badRequest(
      `${model.name} has no identifier, so it has no by-identifier routes; use GET /rest/${model.name}?filter=...`,
    );
  }
  if (model.identifier.length > 1) {
    throw badRequest(
      `${model.name} has a composite identifier (${model.identifier.map((f) => f.name).join(', ')}); ` +
        `address its rows with a filter, e.g. /rest/${model.name}?filter=${JSON.stringify(
          Object.fromEntries(model.identifier.map((f) => [f.name, '...'])),
        )}`,
    );
  }
  const field = model.identifier[0]!;
  return [{ field, value: identifierValueFromPath(field, text ?? '') }];
}

function rowOrNotFound(
  model: Model,
  text: string | undefined,
  rows: Record<string, unknown>[],
): Record<string, unknown> {
  const row = rows[0];
  if (!row)
    throw notFound(`no ${model.name} has ${model.identifier[0]!.name} ${quoted(text ?? '')}`);
  return row;
}

export const findById: Operation = async (db, model, { query, identifier }) => {
  const id = identifierOfRequest(model, identifier);
  const select = translateSelect(model, readQueryParams(query, ['select']).select);
  const statement = findByIdStatement(model, id, select);
  const result = await db.query(statement.sql, statement.params);
  return ok(apiRow(select, rowOrNotFound(model, identifier, result.rows)));
};

export const updateById: Operation = async (db, model, { query, body, identifier }) => {
  const id = identifierOfRequest(model, identifier);
  const select = translateSelect(model, readQueryParams(query, ['select']).select);
  const statement = updateByIdStatement(model, id, valuesToUpdate(model, body), select);
  const result = await db.query(statement.sql, statement.params);
  return ok(apiRow(select, rowOrNotFound(model, identifier, result.rows)));
};

export const deleteById: Operation = async (db, model, { query, identifier }) => {
  const id = identifierOfRequest(model, identifier);
  const select = translateSelect(model, readQueryParams(query, ['select']).select);
  const statement = deleteByIdStatement(model, id, select);
  const result = await db.query(statement.sql, statement.params);
  return ok(apiRow(select, rowOrNotFound(model, identifier, result.rows)));
};
