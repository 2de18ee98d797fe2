import type { Field } from './model';

/**
 * Shapes a database row for the API. The drivers disagree on types: node-postgres answers
 * BIGINT as a string and PGlite as a number or a bigint, and both answer timestamps as
 * Dates. The API answers integers as JSON numbers, timestamps as ISO-8601 text (UTC, in
 * milliseconds, the way Neurelo's JavaScript-facing API shows them) and Json as JSON.
 */

function integerOut(value: unknown): unknown {
  if (typeof value !== 'string' && typeof value !== 'bigint') return value;
  const n = Number(value);
  // A BIGINT past 2^53 would be rounded as a number; text keeps it exact.
  return Number.isSafeInteger(n) ? n : String(value);
}

function valueOut(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.kind) {
    case 'integer':
      return integerOut(value);
    case 'date-time':
      return value instanceof Date ? value.toISOString() : value;
    case 'number':
      return typeof value === 'string' ? Number(value) : value;
    case 'decimal':
      return String(value);
    default:
      return value;
  }
}

/** The API row for a database row selected with the fields' names as column aliases. */
export function apiRow(
  fields: readonly Field[],
  row: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, valueOut(f, row[f.name])]));
}
