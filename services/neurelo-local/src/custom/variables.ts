import { z } from 'zod';
import { ApiError } from '../http/api-error';
import { variablesInQueryString, type CustomQuery, type VariableType } from './custom-query';

/** A variable is missing, unknown or of the wrong type: 400, naming the variable. */
export class InvalidVariableError extends ApiError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(400, message, { variable });
    this.name = 'InvalidVariableError';
  }
}

const safeInteger = z.number().int().refine(Number.isSafeInteger);

/** Values from a JSON body keep their JSON type. */
const fromJson: Record<VariableType, z.ZodType> = {
  Int: safeInteger,
  Float: z.number(),
  String: z.string(),
  Boolean: z.boolean(),
  Array: z.array(z.unknown()),
};

/**
 * Values from a query string are text that must parse as the type. An Array is either repeated
 * keys (`?ids=a&ids=b`), a JSON array (`?ids=["a","b"]`) or one bare value (a list of one).
 */
const fromQueryString: Record<VariableType, z.ZodType> = {
  Int: z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number)
    .pipe(safeInteger),
  Float: z
    .string()
    .regex(/^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/)
    .transform(Number)
    .pipe(z.number()),
  String: z.string(),
  Boolean: z.enum(['true', 'false']).transform((v) => v === 'true'),
  Array: z.union([
    z.array(z.string()),
    z.string().transform((text, ctx) => {
      if (!text.trimStart().startsWith('[')) return [text];
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'not a JSON array' });
      return z.NEVER;
    }),
  ]),
};

export type VariableValues = Record<string, unknown>;

/**
 * Checks the request's variables against the query's declaration and returns them typed.
 * `input` is the parsed query string (GET, DELETE) or the JSON body (POST, PATCH, PUT).
 */
export function bindVariables(query: CustomQuery, input: unknown): VariableValues {
  const inQueryString = variablesInQueryString(query.method);
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ApiError(400, 'the request body must be a JSON object of the query variables');
  }
  const given = input as Record<string, unknown>;
  const declared = new Map(query.variables.map((v) => [v.name, v.type]));
  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      throw new InvalidVariableError(name, `unknown variable "${name}" for query ${query.name}`);
    }
  }
  const values: VariableValues = {};
  for (const [name, type] of declared) {
    if (given[name] === undefined) {
      throw new InvalidVariableError(name, `missing variable "${name}" (${type})`);
    }
    const parsed = (inQueryString ? fromQueryString : fromJson)[type].safeParse(given[name]);
    if (!parsed.success) {
      throw new InvalidVariableError(name, `variable "${name}" must be ${describe(type)}`);
    }
    values[name] = parsed.data;
  }
  return values;
}

/** The positional parameters of the query, `$1` first. */
export const toParameters = (query: CustomQuery, values: VariableValues): unknown[] =>
  query.parameters.map((name) => values[name]);

function describe(type: VariableType): string {
  switch (type) {
    case 'Int':
      return 'an Int (a whole number)';
    case 'Float':
      return 'a Float (a number)';
    case 'String':
      return 'a String';
    case 'Boolean':
      return 'a Boolean (true or false)';
    case 'Array':
      return 'an Array';
  }
}
