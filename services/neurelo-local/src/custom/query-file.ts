import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { splitSqlScript } from '../db/migrate';
import { NEURELO_DIR } from '../schema/schema';
import {
  QUERY_METHODS,
  VARIABLE_TYPES,
  type CustomQuery,
  type QueryMethod,
  type QueryVariable,
  type VariableType,
  type WaitSpec,
} from './custom-query';
import { toPositionalParameters } from './placeholders';

export const QUERIES_DIR = path.join(NEURELO_DIR, 'queries');

const QUERY_NAME = /^[a-z][a-z0-9_]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A query file that does not follow the layout: the server refuses to start with it. */
export class QueryFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'QueryFileError';
  }
}

/** Loads every `<name>.sql` of `dir`, sorted by name. */
export function loadQueries(dir: string = QUERIES_DIR): CustomQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseQueryFile(path.basename(f, '.sql'), readFileSync(path.join(dir, f), 'utf8')));
}

/**
 * Parses one query file: a header of `--` lines (`method:`, `variables:`, optional `wait:`, then
 * free text) followed by exactly one SQL statement with `{{ name }}` placeholders.
 */
export function parseQueryFile(name: string, text: string): CustomQuery {
  const file = `${name}.sql`;
  const fail = (message: string): never => {
    throw new QueryFileError(file, message);
  };
  if (!QUERY_NAME.test(name)) fail('a query name is lower case letters, digits and underscores');

  const lines = text.split(/\r?\n/);
  const headerLength = lines.findIndex((l) => !l.trimStart().startsWith('--'));
  const header = lines.slice(0, headerLength === -1 ? lines.length : headerLength);
  const body = headerLength === -1 ? '' : lines.slice(headerLength).join('\n');

  const fields = new Map<string, string>();
  const description: string[] = [];
  for (const line of header) {
    const content = line.trimStart().slice(2).trim();
    const field = /^(method|variables|wait):(.*)$/i.exec(content);
    if (field && description.length === 0) {
      const key = field[1]!.toLowerCase();
      if (fields.has(key)) fail(`the header sets "${key}" twice`);
      fields.set(key, field[2]!.trim());
    } else if (content) {
      description.push(content);
    }
  }

  const method = (
    fields.get('method') ?? fail('the header has no "-- method:" line')
  ).toUpperCase();
  if (!(QUERY_METHODS as readonly string[]).includes(method)) {
    fail(`method "${method}" is not one of ${QUERY_METHODS.join(', ')}`);
  }
  const variables = parseVariables(fields.get('variables') ?? '', fail);
  const declared = new Set(variables.map((v) => v.name));
  const wait = fields.has('wait') ? parseWait(fields.get('wait')!, variables, fail) : undefined;

  const statements = splitSqlScript(body);
  if (statements.length !== 1) {
    fail(`a custom query is exactly one SQL statement, found ${statements.length}`);
  }
  // The body minus a final semicolon: Postgres takes one statement per parameterised query.
  const { sql, parameters } = toPositionalParameters(body.trim().replace(/;\s*$/, ''));
  for (const used of parameters) {
    if (!declared.has(used)) fail(`{{ ${used} }} is used but not declared in "-- variables:"`);
  }
  for (const v of variables) {
    // An unused parameter has no type Postgres can infer, and usually means a typo.
    if (!parameters.includes(v.name)) fail(`variable "${v.name}" is declared but never used`);
  }

  return {
    name,
    method: method as QueryMethod,
    variables,
    ...(wait ? { wait } : {}),
    description: description.join(' '),
    sql,
    parameters,
  };
}

function parseVariables(list: string, fail: (message: string) => never): QueryVariable[] {
  if (list === '' || /^none$/i.test(list)) return [];
  const variables: QueryVariable[] = [];
  for (const item of list.split(',')) {
    const [name, type, ...extra] = item.trim().split(/\s+/);
    if (!name || !type || extra.length > 0) fail(`"${item.trim()}" is not "<name> <Type>"`);
    if (!IDENTIFIER.test(name!)) fail(`"${name}" is not a valid variable name`);
    if (!(VARIABLE_TYPES as readonly string[]).includes(type!)) {
      fail(`variable "${name}" has type "${type}", not one of ${VARIABLE_TYPES.join(', ')}`);
    }
    if (variables.some((v) => v.name === name)) fail(`variable "${name}" is declared twice`);
    variables.push({ name: name!, type: type as VariableType });
  }
  return variables;
}

function parseWait(
  spec: string,
  variables: QueryVariable[],
  fail: (message: string) => never,
): WaitSpec {
  const [channel, variable, cap, ...extra] = spec.split(/\s+/);
  if (!channel || !variable || extra.length > 0 || !IDENTIFIER.test(channel)) {
    fail(`"-- wait: ${spec}" is not "-- wait: <channel> <variable> [<cap variable>]"`);
  }
  const typeOf = (name: string): string | undefined => variables.find((v) => v.name === name)?.type;
  if (typeOf(variable!) === undefined) fail(`the wait variable "${variable}" is not declared`);
  if (cap === undefined) return { channel: channel!, variable: variable! };
  if (typeOf(cap) !== 'Int') fail(`the wait's cap "${cap}" is not a declared Int variable`);
  return { channel: channel!, variable: variable!, cap };
}
