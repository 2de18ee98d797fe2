import { badRequest } from '../http/api-error';
import { translateFilter } from './filter';
import type { Field, Model } from './model';
import { PARAMS_PER_STATEMENT_MAX, quoteIdent, SqlParams, type Statement } from './sql-params';
import type { FieldValue } from './write-values';

/**
 * The one SQL statement behind each REST operation. Pure: it builds text and parameters
 * and leaves running them to the caller. Columns come back under their property names.
 */

/** An identifier value to look a row up by, one entry per identifying field. */
export type IdentifierValue = ReadonlyArray<{ field: Field; value: unknown }>;

export interface FindManyOptions {
  filter?: unknown;
  select: readonly Field[];
  /** ORDER BY terms from translateOrderBy. */
  orderBy: readonly string[];
  skip?: number;
  take: number;
}

const table = (model: Model): string => quoteIdent(model.table);

function selectList(fields: readonly Field[]): string {
  return fields.map((f) => `${quoteIdent(f.column)} AS ${quoteIdent(f.name)}`).join(', ');
}

function identifierCondition(id: IdentifierValue, params: SqlParams): string {
  return id
    .map(({ field, value }) => `${quoteIdent(field.column)} = ${params.add(value)}`)
    .join(' AND ');
}

function assignments(values: readonly FieldValue[], params: SqlParams): string {
  return values
    .map(({ field, value }) => `${quoteIdent(field.column)} = ${params.add(value)}`)
    .join(', ');
}

export function findManyStatement(model: Model, options: FindManyOptions): Statement {
  const params = new SqlParams();
  const where =
    options.filter === undefined ? 'TRUE' : translateFilter(model, options.filter, params);
  const orderBy = options.orderBy.length > 0 ? ` ORDER BY ${options.orderBy.join(', ')}` : '';
  const limit = ` LIMIT ${params.add(options.take)}`;
  const offset = options.skip ? ` OFFSET ${params.add(options.skip)}` : '';
  return {
    sql: `SELECT ${selectList(options.select)} FROM ${table(model)} WHERE ${where}${orderBy}${limit}${offset}`,
    params: params.values,
  };
}

export function createOneStatement(
  model: Model,
  values: readonly FieldValue[],
  select: readonly Field[],
): Statement {
  const params = new SqlParams();
  const returning = ` RETURNING ${selectList(select)}`;
  if (values.length === 0)
    return { sql: `INSERT INTO ${table(model)} DEFAULT VALUES${returning}`, params: [] };
  const columns = values.map((v) => quoteIdent(v.field.column)).join(', ');
  const placeholders = values.map((v) => params.add(v.value)).join(', ');
  return {
    sql: `INSERT INTO ${table(model)} (${columns}) VALUES (${placeholders})${returning}`,
    params: params.values,
  };
}

/**
 * All rows in one INSERT, so the batch is created whole or not at all. A field some rows
 * leave out gets DEFAULT in those rows.
 */
export function createManyStatement(
  model: Model,
  rows: ReadonlyArray<readonly FieldValue[]>,
): Statement {
  const given = new Set(rows.flatMap((r) => r.map((v) => v.field.name)));
  // A row needs at least one column to list; DEFAULT in the first column stands for "all defaults".
  const columns =
    given.size > 0 ? model.fields.filter((f) => given.has(f.name)) : model.fields.slice(0, 1);
  if (rows.length * columns.length > PARAMS_PER_STATEMENT_MAX) {
    throw badRequest(
      `the batch holds ${rows.length * columns.length} values, more than one statement takes (${PARAMS_PER_STATEMENT_MAX}); split it`,
    );
  }
  const params = new SqlParams();
  const tuples = rows.map((row) => {
    const byName = new Map(row.map((v) => [v.field.name, v.value]));
    const cells = columns.map((f) =>
      byName.has(f.name) ? params.add(byName.get(f.name)) : 'DEFAULT',
    );
    return `(${cells.join(', ')})`;
  });
  const columnList = columns.map((f) => quoteIdent(f.column)).join(', ');
  return {
    sql: `INSERT INTO ${table(model)} (${columnList}) VALUES ${tuples.join(', ')}`,
    params: params.values,
  };
}

export function updateManyStatement(
  model: Model,
  filter: unknown,
  values: readonly FieldValue[],
): Statement {
  const params = new SqlParams();
  const set = assignments(values, params);
  const where = translateFilter(model, filter, params);
  return { sql: `UPDATE ${table(model)} SET ${set} WHERE ${where}`, params: params.values };
}

export function deleteManyStatement(model: Model, filter: unknown): Statement {
  const params = new SqlParams();
  const where = translateFilter(model, filter, params);
  return { sql: `DELETE FROM ${table(model)} WHERE ${where}`, params: params.values };
}

export function findByIdStatement(
  model: Model,
  id: IdentifierValue,
  select: readonly Field[],
): Statement {
  const params = new SqlParams();
  const where = identifierCondition(id, params);
  return {
    sql: `SELECT ${selectList(select)} FROM ${table(model)} WHERE ${where}`,
    params: params.values,
  };
}

export function updateByIdStatement(
  model: Model,
  id: IdentifierValue,
  values: readonly FieldValue[],
  select: readonly Field[],
): Statement {
  const params = new SqlParams();
  const set = assignments(values, params);
  const where = identifierCondition(id, params);
  return {
    sql: `UPDATE ${table(model)} SET ${set} WHERE ${where} RETURNING ${selectList(select)}`,
    params: params.values,
  };
}

export function deleteByIdStatement(
  model: Model,
  id: IdentifierValue,
  select: readonly Field[],
): Statement {
  const params = new SqlParams();
  const where = identifierCondition(id, params);
  return {
    sql: `DELETE FROM ${table(model)} WHERE ${where} RETURNING ${selectList(select)}`,
    params: params.values,
  };
}
