/** A custom query as loaded from `neurelo/queries/<name>.sql` (the layout is in neurelo/README.md). */

export const VARIABLE_TYPES = ['Int', 'String', 'Boolean', 'Float', 'Array'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export const QUERY_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type QueryMethod = (typeof QUERY_METHODS)[number];

export interface QueryVariable {
  name: string;
  type: VariableType;
}

/** Long-poll support (local extension): wake when `channel` is notified with the variable's value. */
export interface WaitSpec {
  channel: string;
  variable: string;
  /**
   * The Int variable that caps how many rows the query returns (a claim's `limit`), if any: an
   * answer with fewer rows found everything there was, which lets the server skip the next
   * long poll's first query (drain-hints.ts).
   */
  cap?: string;
}

export interface CustomQuery {
  name: string;
  method: QueryMethod;
  variables: QueryVariable[];
  wait?: WaitSpec;
  /** The free text of the header: what the query does and why. */
  description: string;
  /** The statement with its `{{ name }}` placeholders turned into `$1`, `$2`, ... */
  sql: string;
  /** The variable that feeds each positional parameter: `parameters[0]` is `$1`. */
  parameters: string[];
}

/** GET and DELETE carry their variables in the query string, the others in a JSON body. */
export const variablesInQueryString = (method: QueryMethod): boolean =>
  method === 'GET' || method === 'DELETE';
