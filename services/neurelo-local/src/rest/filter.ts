import { badRequest } from '../http/api-error';
import { bindableValue, quoted } from './field-values';
import type { Field, FieldKind, Model } from './model';
import { quoteIdent, type SqlParams } from './sql-params';

/**
 * Translates Neurelo's (Prisma-like) `filter` where-object into a SQL condition.
 *
 *   where      := { AND?: where | where[], OR?: where | where[], NOT?: where | where[],
 *                   <field>?: value | null | fieldFilter }           (all keys ANDed)
 *   fieldFilter:= { equals?, not?, in?, notIn?, lt?, lte?, gt?, gte?,
 *                   contains?, startsWith?, endsWith? }              (all keys ANDed)
 *
 * Field names are looked up in the model and only the model's column names reach the SQL;
 * every value becomes a parameter. NULL follows SQL: `not: "x"` does not match NULL rows,
 * `equals: null` / `not: null` test IS NULL / IS NOT NULL.
 */

const COMBINATORS = new Set(['AND', 'OR', 'NOT']);

const OPERATORS_ALL = ['equals', 'not', 'in', 'notIn'] as const;
const OPERATORS_ORDER = ['lt', 'lte', 'gt', 'gte'] as const;
const OPERATORS_TEXT = ['contains', 'startsWith', 'endsWith'] as const;

const OPERATORS_BY_KIND: Record<FieldKind, readonly string[]> = {
  string: [...OPERATORS_ALL, ...OPERATORS_ORDER, ...OPERATORS_TEXT],
  'date-time': [...OPERATORS_ALL, ...OPERATORS_ORDER],
  integer: [...OPERATORS_ALL, ...OPERATORS_ORDER],
  number: [...OPERATORS_ALL, ...OPERATORS_ORDER],
  decimal: [...OPERATORS_ALL, ...OPERATORS_ORDER],
  boolean: ['equals', 'not'],
  // JSON equality compares documents; ordering or substring tests on JSON are not offered.
  json: ['equals', 'not'],
};

const COMPARISON_SQL: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** Deeper nesting than any real filter needs; the cap keeps a hostile one from recursing far. */
export const FILTER_DEPTH_MAX = 32;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The SQL condition for `where` (`TRUE` for an empty object). */
export function translateFilter(model: Model, where: unknown, params: SqlParams): string {
  return whereCondition(model, where, params, 0);
}

function whereCondition(model: Model, where: unknown, params: SqlParams, depth: number): string {
  if (depth > FILTER_DEPTH_MAX)
    throw badRequest(`filter is nested deeper than ${FILTER_DEPTH_MAX} levels`);
  if (!isPlainObject(where)) throw badRequest('filter must be a JSON object (a where-object)');
  const parts = Object.entries(where).map(([key, value]) =>
    COMBINATORS.has(key)
      ? combinatorCondition(model, key, value, params, depth)
      : fieldCondition(model, fieldNamed(model, key), value, params),
  );
  return joinAll(parts, 'AND', 'TRUE');
}

function fieldNamed(model: Model, name: string): Field {
  const field = model.fieldsByName.get(name);
  if (!field) {
    throw badRequest(
      `filter names ${quoted(name)}, which is not a field of ${model.name} (fields: ${model.fields.map((f) => f.name).join(', ')})`,
      { field: name },
    );
  }
  // A filter value longer than the column cannot match; that is an answer, not an error.
  return { ...field, maxLength: undefined };
}

function combinatorCondition(
  model: Model,
  key: string,
  value: unknown,
  params: SqlParams,
  depth: number,
): string {
  const items = Array.isArray(value) ? value : [value];
  const conditions = items.map((w) => whereCondition(model, w, params, depth + 1));
  switch (key) {
    case 'AND':
      return joinAll(conditions, 'AND', 'TRUE');
    case 'OR':
      // OR of nothing matches nothing, as in Prisma.
      return joinAll(conditions, 'OR', 'FALSE');
    default:
      return joinAll(
        conditions.map((c) => `NOT (${c})`),
        'AND',
        'TRUE',
      );
  }
}

function joinAll(conditions: string[], joiner: 'AND' | 'OR', empty: string): string {
  if (conditions.length === 0) return empty;
  if (conditions.length === 1) return conditions[0]!;
  return conditions.map((c) => `(${c})`).join(` ${joiner} `);
}

function fieldCondition(model: Model, field: Field, value: unknown, params: SqlParams): string {
  if (field.kind === 'json') {
    if (!isPlainObject(value)) {
      throw badRequest(
        `filter on Json field ${quoted(field.name)} takes an operator object: {"equals": ...} or {"not": ...}`,
        {
          field: field.name,
        },
      );
    }
    return operatorsCondition(field, value, params);
  }
  if (value === null) return `${quoteIdent(field.column)} IS NULL`;
  if (isPlainObject(value)) return operatorsCondition(field, value, params);
  if (Array.isArray(value)) {
    throw badRequest(
      `filter on ${quoted(field.name)} got an array; use {"in": [...]} to match any of several values`,
      {
        field: field.name,
      },
    );
  }
  return equalsCondition(field, value, params);
}

function operatorsCondition(field: Field, ops: Record<string, unknown>, params: SqlParams): string {
  const allowed = OPERATORS_BY_KIND[field.kind];
  const entries = Object.entries(ops);
  if (entries.length === 0)
    throw badRequest(`filter on ${quoted(field.name)} has an empty operator object`, {
      field: field.name,
    });
  const parts = entries.map(([op, operand]) => {
    if (!allowed.includes(op)) {
      throw badRequest(
        `filter on ${quoted(field.name)} uses operator ${quoted(op)}; ${field.kind} fields take: ${allowed.join(', ')}`,
        {
          field: field.name,
          operator: op,
        },
      );
    }
    return operatorCondition(field, op, operand, params);
  });
  return joinAll(parts, 'AND', 'TRUE');
}

function operatorCondition(field: Field, op: string, operand: unknown, params: SqlParams): string {
  const column = quoteIdent(field.column);
  const where = `filter.${field.name}.${op}`;
  switch (op) {
    case 'equals':
      return operand === null ? `${column} IS NULL` : equalsCondition(field, operand, params);
    case 'not':
      if (operand === null) return `${column} IS NOT NULL`;
      // `not` may hold a nested field filter: {"not": {"in": [...]}}.
      if (field.kind !== 'json' && isPlainObject(operand))
        return `NOT (${operatorsCondition(field, operand, params)})`;
      return `NOT (${equalsCondition(field, operand, params)})`;
    case 'in':
    case 'notIn':
      return listCondition(field, op, operand, params);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return `${column} ${COMPARISON_SQL[op]} ${params.add(bindableValue(field, nonNull(field, op, operand), where))}`;
    default:
      return likeCondition(field, op, operand, params);
  }
}

function nonNull(field: Field, op: string, operand: unknown): unknown {
  if (operand === null)
    throw badRequest(`filter on ${quoted(field.name)}: ${op} does not take null`, {
      field: field.name,
    });
  return operand;
}

function equalsCondition(field: Field, value: unknown, params: SqlParams): string {
  const placeholder = params.add(bindableValue(field, value, `filter.${field.name}`));
  // json has no equality operator; jsonb compares documents (key order and spacing aside).
  if (field.kind === 'json') return `${quoteIdent(field.column)}::jsonb = ${placeholder}::jsonb`;
  return `${quoteIdent(field.column)} = ${placeholder}`;
}

function listCondition(
  field: Field,
  op: 'in' | 'notIn',
  operand: unknown,
  params: SqlParams,
): string {
  if (!Array.isArray(operand))
    throw badRequest(`filter on ${quoted(field.name)}: ${op} takes an array`, {
      field: field.name,
    });
  // An empty list is a valid question with a known answer: in [] matches nothing, notIn [] everything.
  if (operand.length === 0) return op === 'in' ? 'FALSE' : 'TRUE';
  const placeholders = operand.map((v, i) =>
    params.add(bindableValue(field, nonNull(field, op, v), `filter.${field.name}.${op}[${i}]`)),
  );
  return `${quoteIdent(field.column)} ${op === 'in' ? 'IN' : 'NOT IN'} (${placeholders.join(', ')})`;
}

/** LIKE's wildcards in the operand are escaped, so `contains: "50%"` means the text "50%". */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function likeCondition(field: Field, op: string, operand: unknown, params: SqlParams): string {
  const text = bindableValue(
    field,
    nonNull(field, op, operand),
    `filter.${field.name}.${op}`,
  ) as string;
  const escaped = escapeLike(text);
  const pattern =
    op === 'contains' ? `%${escaped}%` : op === 'startsWith' ? `${escaped}%` : `%${escaped}`;
  return `${quoteIdent(field.column)} LIKE ${params.add(pattern)} ESCAPE '\\'`;
}
