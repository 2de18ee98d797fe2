/**
 * The client API's OpenAPI 3.1 contract: it validates against the OpenAPI 3.1 schema (and a
 * broken copy does not, so the validation can fail), it lists every route the replica serves
 * with the statuses each answers, and a real replica service serves it at GET /openapi.json.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MemoryQueue, runRoleService, type RunningService } from '@paxos/runtime';
import { clientApiDocument, type OpenApiDocument } from '../src/contract/client-api-document';
import type { ContractErrorCode } from '../src/contract/error-answers';
import type { ClientErrorCode } from '../src/service/http-io';
import { replicaServiceSpec } from '../src/service/replica-service';

/** Every code the service can answer must be in the contract: this line fails the typecheck. */
const everyServiceCodeIsInTheContract = (c: ClientErrorCode): ContractErrorCode => c;
void everyServiceCodeIsInTheContract;

/** Within this task's port range (8700-8749). */
const REPLICA_PORT = 8711;

interface ValidationResult {
  valid: boolean;
  errors?: unknown;
  /** The OpenAPI version the validator took the document for. */
  version?: string;
}

/**
 * Validates each document with @seriousme/openapi-schema-validator. It is ESM only (and reads
 * its schemas through import.meta.url), which jest's CommonJS runtime cannot load: it runs in
 * one Node child process, the documents on its stdin.
 */
function validateOpenApi(docs: object[]): ValidationResult[] {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    import { text } from 'node:stream/consumers';
    const results = [];
    for (const doc of JSON.parse(await text(process.stdin))) {
      const validator = new Validator();
      const result = await validator.validate(doc);
      results.push({ ...result, version: validator.version });
    }
    process.stdout.write(JSON.stringify(results));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: path.resolve(__dirname, '..', '..', '..'),
    input: JSON.stringify(docs),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the OpenAPI validator did not run: ${run.stderr}`);
  return JSON.parse(run.stdout) as ValidationResult[];
}

/** A deep copy, as the document travels (JSON). */
const asJson = (doc: OpenApiDocument): Record<string, unknown> =>
  JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;

type Paths = Record<string, Record<string, { responses: Record<string, unknown> }>>;

type Breakage = [what: string, breakIt: (d: Record<string, unknown>) => void];

/** Copies broken in ways the validator must notice: it can fail, so its pass means something. */
const BREAKAGES: Breakage[] = [
  ['no info', (d) => delete d.info],
  [
    'a response without its description',
    (d) => {
      const paths = d.paths as Paths;
      delete (paths['/commands']!.post!.responses['200'] as { description?: string }).description;
    },
  ],
  [
    'a security scheme of an unknown type',
    (d) => {
      const schemes = (d.components as { securitySchemes: Record<string, { type: string }> })
        .securitySchemes;
      schemes.clientKey!.type = 'password';
    },
  ],
];

describe('the client API contract', () => {
  const doc = asJson(clientApiDocument());
  let results: ValidationResult[] = [];

  beforeAll(() => {
    const broken = BREAKAGES.map(([, breakIt]) => {
      const copy = asJson(clientApiDocument());
      breakIt(copy);
      return copy;
    });
    results = validateOpenApi([doc, ...broken]);
  });

  it('validates as OpenAPI 3.1', () => {
    const [result] = results;
    expect(result?.errors).toBeUndefined();
    expect(result?.valid).toBe(true);
    expect(result?.version).toBe('3.1');
  });

  it.each(BREAKAGES.map(([what], i) => [what, i + 1] as const))(
    'is rejected when broken: %s',
    (_what, index) => {
      expect(results[index]?.valid).toBe(false);
      expect(results[index]?.errors).toBeDefined();
    },
  );

  it('lists every route of the client API with the statuses each answers', () => {
    const paths = doc.paths as Paths;
    const routes = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /sessions',
        'POST /commands',
        'GET /watch',
        'GET /openapi.json',
        'GET /config',
        'GET /healthz',
        'GET /readyz',
        'POST /admin/reconfigure',
      ].sort(),
    );
    const statuses = (path: string, method: string) =>
      Object.keys(paths[path]![method]!.responses).sort();
    expect(statuses('/commands', 'post')).toEqual(
      ['200', '400', '401', '403', '409', '410', '413', '415', '503', '504'].sort(),
    );
    expect(statuses('/sessions', 'post')).toEqual(
      ['200', '400', '401', '403', '413', '415', '503', '504'].sort(),
    );
    expect(statuses('/watch', 'get')).toEqual(['200', '400', '401', '403', '410', '503'].sort());
    expect(statuses('/admin/reconfigure', 'post')).toEqual(
      ['200', '400', '401', '403', '409', '413', '415', '503', '504'].sort(),
    );
  });

  it('names the bearer schemes: client keys on the client routes, ADMIN_KEY on admin', () => {
    const components = doc.components as {
      securitySchemes: Record<string, { type: string; scheme: string }>;
    };
    expect(components.securitySchemes.clientKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(components.securitySchemes.adminKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const paths = doc.paths as Record<string, Record<string, { security: unknown }>>;
    expect(paths['/commands']!.post!.security).toEqual([{ clientKey: [] }]);
    expect(paths['/watch']!.get!.security).toEqual([{ clientKey: [] }]);
    expect(paths['/admin/reconfigure']!.post!.security).toEqual([{ adminKey: [] }]);
    expect(paths['/healthz']!.get!.security).toEqual([]);
  });

  it('takes the command body from the schema the replica validates with', () => {
    const paths = doc.paths as Record<
      string,
      Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>
    >;
    const body = paths['/commands']!.post!.requestBody.content['application/json']!.schema;
    expect(body).toEqual({ $ref: '#/components/schemas/ClientCommand' });
    const schemas = (doc.components as { schemas: Record<string, { required?: string[] }> })
      .schemas;
    expect(schemas.ClientCommand!.required).toEqual(['sessionId', 'requestId', 'op']);
  });
});

describe('a replica serves its contract', () => {
  let service: RunningService | null = null;

  beforeAll(async () => {
    // The real replica service, on an in-memory queue: /openapi.json needs no quorum.
    const queue = new MemoryQueue();
    service = await runRoleService(
      replicaServiceSpec(),
      () => queue.port(),
      {
        PATH: process.env.PATH,
        PROCESS_ID: 'replica-0',
        HOST: '127.0.0.1',
        PORT: String(REPLICA_PORT),
        LOG_LEVEL: 'silent',
      },
      {
        installSignalHandlers: false,
        onFatal: (err) => {
          throw err;
        },
      },
    );
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('at GET /openapi.json, equal to the generated document', async () => {
    const res = await fetch(`http://127.0.0.1:${REPLICA_PORT}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(asJson(clientApiDocument()));
  });

  it('answers 405 to anything but GET there', async () => {
    const res = await fetch(`http://127.0.0.1:${REPLICA_PORT}/openapi.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
