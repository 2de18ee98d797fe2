import { badRequest } from '../http/api-error';
import type { Field } from './model';

/**
 * Checks a value a request gives for a field and turns it into the parameter to bind, so
 * that a wrong type is a 400 naming the field rather than a database error (or, worse, a
 * silent coercion by PostgreSQL).
 */

// RFC 3339 / JSON Schema `date-time`: a full date and time with an offset. A timestamp
// without an offset would be read in the server's time zone, so it is refused.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

const shortened = (text: string): string => (text.length > 80 ? `${text.slice(0, 80)}...` : text);

/** Request text quoted for an error message, cut short so a huge name cannot flood a log. */
export function quoted(text: string): string {
  return JSON.stringify(shortened(text));
}

function invalid(field: Field, where: string, expected: string, value: unknown): never {
  const received = typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value);
  throw badRequest(`${quoted(field.name)} in ${where} must be ${expected}`, {
    field: field.name,
    // Strings are shown quoted so that "1" and 1 read differently.
    received: typeof value === 'string' ? quoted(received) : shortened(received),
  });
}

/** The characters PostgreSQL counts in a VARCHAR (code points, not UTF-16 units). */
const lengthInCharacters = (s: string): number => [...s].length;

/**
 * The parameter for a non-null `value` of `field`. `where` says where the value came from
 * (`body`, `filter`, ...) for the error message.
 */
export function bindableValue(field: Field, value: unknown, where: string): unknown {
  switch (field.kind) {
    case 'string': {
      if (typeof value !== 'string') invalid(field, where, 'a string', value);
      if (field.maxLength !== undefined && lengthInCharacters(value) > field.maxLength) {
        invalid(field, where, `a string of at most ${field.maxLength} characters`, value);
      }
      return value;
    }
    case 'date-time': {
      const ok = typeof value === 'string' && DATE_TIME.test(value) && !isNaN(Date.parse(value));
      if (!ok)
        invalid(
          field,
          where,
          'an ISO-8601 date-time with an offset, e.g. 2024-01-02T03:04:05.678Z',
          value,
        );
      // The text itself is bound, not a Date, so microseconds survive.
      return value;
    }
    case 'integer': {
      const [min, max] = field.integerRange ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      const ok =
        typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
      if (!ok) invalid(field, where, `an integer from ${min} to ${max}`, value);
      return value;
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        invalid(field, where, 'a number', value);
      return value;
    }
    case 'decimal': {
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value === 'string' && DECIMAL.test(value)) return value;
      return invalid(field, where, 'a decimal number or a string holding one', value);
    }
    case 'boolean': {
      if (typeof value !== 'boolean') invalid(field, where, 'true or false', value);
      return value;
    }
    case 'json':
      // Bound as JSON text: node-postgres would turn a JS array into a Postgres array literal.
      return JSON.stringify(value);
  }
}

/** A value to write: null only where the field is nullable. */
export function writableValue(field: Field, value: unknown, where: string): unknown {
  if (value === null) {
    if (!field.nullable)
      throw badRequest(`${quoted(field.name)} in ${where} may not be null`, { field: field.name });
    return null;
  }
  return bindableValue(field, value, where);
}

/**
 * The identifier value in a URL path (`/rest/{m}/{value}`) is text; an integer identifier
 * is read as one so that `/rest/film/42` finds film 42.
 */
export function identifierValueFromPath(field: Field, text: string): unknown {
  if (field.kind === 'integer' || field.kind === 'number') {
    const n = /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    return bindableValue(field, Number.isNaN(n) ? text : n, 'the path');
  }
  if (field.kind === 'boolean') {
    return bindableValue(
      field,
      text === 'true' ? true : text === 'false' ? false : text,
      'the path',
    );
  }
  return bindableValue(field, text, 'the path');
}
