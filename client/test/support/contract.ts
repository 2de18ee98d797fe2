/**
 * Checks a request the client is about to send against the replica's OpenAPI contract (the
 * document GET /openapi.json serves, generated from the zod schemas the replica validates with).
 * The client's fleet tests call it from an axios request interceptor, so every request they
 * make is shown to conform, not only the ones a test looks at.
 *
 *   assertConformsToContract('POST', '/commands', { sessionId, requestId, op });
 *   assertConformsToContract('GET', 'http://127.0.0.1:7121/watch?prefix=a&from=3');
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { clientApiDocument } from '@paxos/replica/src/contract/client-api-document';

/** Where the contract's component schemas live for ajv; refs are rewritten to point here. */
const COMPONENTS_ID = 'paxos-contract.json';

interface JsonSchemaParameter {
  name: string;
  in: string;
  required?: boolean;
  schema: object;
}
interface ContractOperation {
  parameters?: JsonSchemaParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: object }> };
}
interface ContractDocument {
  paths: Record<string, Record<string, ContractOperation>>;
  components: { schemas: Record<string, object> };
}

interface CheckedRoute {
  /** null: the route takes no body. */
  body: { required: boolean; validate: ValidateFunction } | null;
  query: Map<string, { integer: boolean; validate: ValidateFunction }>;
}

let compiled: Map<string, CheckedRoute> | null = null;

/** The document once, with its component refs made absolute so ajv resolves them. */
function loadContract(): { doc: ContractDocument; ajv: Ajv2020 } {
  const text = JSON.stringify(clientApiDocument()).replaceAll(
    '"#/components/schemas/',
    `"${COMPONENTS_ID}#/$defs/`,
  );
  const doc = JSON.parse(text) as ContractDocument;
  // Strict but for `required` inside `not`, where the contract says "not both" of two fields.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false });
  // OpenAPI 3.1 adds these keywords to JSON Schema 2020-12; they do not validate anything.
  ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: doc.components.schemas });
  return { doc, ajv };
}

function routes(): Map<string, CheckedRoute> {
  if (compiled) return compiled;
  const { doc, ajv } = loadContract();
  const all = new Map<string, CheckedRoute>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const json = op.requestBody?.content['application/json'];
      const query = new Map<string, { integer: boolean; validate: ValidateFunction }>();
      for (const p of op.parameters ?? []) {
        if (p.in !== 'query') continue;
        const integer = (p.schema as { type?: string }).type === 'integer';
        query.set(p.name, { integer, validate: ajv.compile(p.schema) });
      }
      all.set(`${method.toUpperCase()} ${path}`, {
        body: json
          ? { required: op.requestBody?.required === true, validate: ajv.compile(json.schema) }
          : null,
        query,
      });
    }
  }
  compiled = all;
  return all;
}

/**
 * ajv's errors, readable: of a oneOf over ops it reports every branch, the ones for other
 * kinds too. A branch whose constant (the op's `kind`) did not match is left out, and so is
 * the oneOf's own summary when a branch says what is wrong.
 */
function describeErrors(validate: ValidateFunction, name: string): string {
  const errors = validate.errors ?? [];
  const branchOf = (schemaPath: string) => /^(.*\/oneOf\/\d+)\//.exec(schemaPath)?.[1] ?? null;
  const otherKinds = new Set(
    errors
      .filter((e) => e.keyword === 'const')
      .map((e) => branchOf(e.schemaPath))
      .filter((b) => b !== null),
  );
  const relevant = errors.filter((e) => {
    const branch = branchOf(e.schemaPath);
    return branch === null || !otherKinds.has(branch);
  });
  const specific = relevant.filter((e) => e.keyword !== 'oneOf');
  if (specific.length === 0 && otherKinds.size > 0) {
    // No branch's constant matched: say which constants there are.
    const consts = errors.filter((e) => e.keyword === 'const');
    const allowed = [...new Set(consts.map((e) => String(e.params.allowedValue)))].join(', ');
    return `${name}${consts[0]?.instancePath ?? ''} must be one of: ${allowed}`;
  }
  const shown = specific.length > 0 ? specific : errors;
  const lines = shown.map((e) => {
    // "must NOT be valid" says nothing: the schema's description says what the rule is.
    const rule = (e.parentSchema as { description?: string } | undefined)?.description;
    const message = e.keyword === 'not' && rule ? `breaks the rule: ${rule}` : e.message;
    return `${name}${e.instancePath} ${message ?? 'is invalid'}`;
  });
  return [...new Set(lines)].join('; ');
}

/** A body as axios holds it: an object, or JSON text once transformed; empty: none. */
function bodyValue(route: string, body: unknown): unknown {
  if (typeof body !== 'string') return body;
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new Error(`${route}: the body is not JSON, and the contract takes application/json`);
  }
}

/**
 * Throws unless `method path` is a route of the contract, `body` (an object or JSON text;
 * undefined for none) matches its request schema, and every query parameter in `path` is one
 * the route declares with a value its schema accepts. `path` may be a whole URL.
 */
export function assertConformsToContract(method: string, path: string, body?: unknown): void {
  const url = new URL(path, 'http://contract.invalid');
  const routeName = `${method.toUpperCase()} ${url.pathname.replace(/(.)\/$/, '$1')}`;
  const route = routes().get(routeName);
  if (!route) {
    const known = [...routes().keys()].join(', ');
    throw new Error(`${routeName} is not in the contract (it has: ${known})`);
  }
  const value = bodyValue(routeName, body);
  if (route.body === null) {
    if (value !== undefined && value !== null) {
      throw new Error(`${routeName} takes no body, and one was sent`);
    }
  } else if (value === undefined) {
    if (route.body.required) throw new Error(`${routeName} requires a JSON body`);
  } else if (!route.body.validate(value)) {
    throw new Error(
      `${routeName}: the body does not conform to the contract: ${describeErrors(route.body.validate, 'body')}`,
    );
  }
  for (const [name, text] of url.searchParams) {
    const param = route.query.get(name);
    if (!param) throw new Error(`${routeName}: the contract declares no query parameter ${name}`);
    const parsed = param.integer && /^-?\d+$/.test(text) ? Number(text) : text;
    if (!param.validate(parsed)) {
      throw new Error(
        `${routeName}: query parameter ${name}=${text} does not conform to the contract: ${describeErrors(param.validate, name)}`,
      );
    }
  }
}
