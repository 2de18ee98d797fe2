/**
 * Building parameterised SQL: values only ever travel as `$n` parameters, and identifiers
 * are quoted names taken from schema.json.
 */

/** Collects the parameter values of one statement; `add` answers the placeholder to write. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Quotes a schema-given table or column name. Names come from schema.json, never from a
 * request, but quoting keeps a name such as `key` or `order` from reading as a keyword.
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL refuses a statement with more parameters than fit its 16-bit count. */
export const PARAMS_PER_STATEMENT_MAX = 65_535;
