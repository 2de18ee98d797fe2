import { ClientCommandSchema, ListOpSchema } from '@paxos/shared';
import { z } from 'zod';
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import { ReconfigureBodySchema } from '../service/admin-api';
import {
  CommandAnswerSchema,
  ConfigAnswerSchema,
  HealthAnswerSchema,
  OpenApiAnswerSchema,
  ReadyAnswerSchema,
  RecoveringAnswerSchema,
  ReconfigureAnswerSchema,
  SessionAnswerSchema,
} from './answers';
import {
  ClientErrorSchema,
  errorAnswer,
  forbiddenAnswer,
  unauthorizedAnswer,
  unavailableAnswer,
  unsupportedMediaAnswer,
} from './error-answers';
import {
  WATCH_STREAM_DESCRIPTION,
  WatchChangeSchema,
  WatchHeadersSchema,
  WatchLaggedSchema,
  WatchQuerySchema,
} from './watch-schemas';

/** The contract's own version: bump it when a route or a schema changes incompatibly. */
export const CLIENT_API_VERSION = '1.0.0';

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const clientKey = [{ clientKey: [] }];
const adminKey = [{ adminKey: [] }];
const open: [] = [];

/** POST /commands: one cause per status (commands-api.ts). */
const commandsPath: ZodOpenApiPathsObject = {
  '/commands': {
    post: {
      operationId: 'submitCommand',
      summary: 'Run one key-value command',
      description:
        'A write (put, delete, cas) answers once it is decided in a slot and applied; (sessionId, requestId) identifies it: a retry with the same pair runs at most once and gets the first answer. A read (get, list) takes no slot: it is answered after a read probe (linearizable), or at once from this replica with "consistency": "serializable" (may be stale); its request number is not remembered.',
      security: clientKey,
      requestBody: { required: true, content: json(ClientCommandSchema) },
      responses: {
        '200': { description: 'decided and applied', content: json(CommandAnswerSchema) },
        '400': errorAnswer('the body is not JSON or a field is wrong; `error` names it', [
          'invalid-command',
        ]),
        '401': unauthorizedAnswer,
        '403': forbiddenAnswer,
        '409': errorAnswer('this request number already ran with a different operation', [
          'request-id-conflict',
        ]),
        '410': errorAnswer(
          'did not run now: the session is unknown or no longer keeps this request number; the outcome of an earlier attempt is unknown (outcomeUnknown: true)',
          ['session-unknown', 'request-too-old'],
        ),
        '413': errorAnswer(
          'too-large: the body or the command is over its bound; kv-quota-exceeded: the write would pass the store quota (nothing changed)',
          ['too-large', 'kv-quota-exceeded'],
        ),
        '415': unsupportedMediaAnswer,
        '503': unavailableAnswer,
        '504': errorAnswer(
          'not decided within COMMAND_TIMEOUT_MS; retry with the same sessionId and requestId',
          ['timeout'],
        ),
      },
    },
  },
};

/** POST /sessions (sessions-api.ts). */
const sessionsPath: ZodOpenApiPathsObject = {
  '/sessions': {
    post: {
      operationId: 'registerSession',
      summary: 'Register a client session through the log',
      description:
        'A session numbers its commands 1, 2, 3, ...; a read-only key may register one too (reads go through the log).',
      security: clientKey,
      requestBody: {
        required: false,
        content: json(z.object({}).strict().meta({ description: 'empty, or {}' })),
      },
      responses: {
        '200': { description: 'registered', content: json(SessionAnswerSchema) },
        '400': errorAnswer('the body is neither empty nor {}', ['invalid-command']),
        '401': unauthorizedAnswer,
        '403': errorAnswer(
          'origin-refused: a browser page of an origin not in ALLOWED_ORIGINS sent it; forbidden: the key may not register',
          ['origin-refused', 'forbidden'],
        ),
        '413': errorAnswer('the body is too large', ['too-large']),
        '415': unsupportedMediaAnswer,
        '503': unavailableAnswer,
        '504': errorAnswer(
          'not decided in time; register again (an unused session is evicted in time)',
          ['timeout'],
        ),
      },
    },
  },
};

const watchPath: ZodOpenApiPathsObject = {
  '/watch': {
    get: {
      operationId: 'watchChanges',
      summary: 'Follow the changes of keys under a prefix (server-sent events)',
      description:
        'Needs read access; a key limited to a prefix may only watch a prefix that starts with its own. Resume with Last-Event-ID, or with from / fromSlot.',
      security: clientKey,
      requestParams: { query: WatchQuerySchema, header: WatchHeadersSchema },
      responses: {
        '200': {
          description: WATCH_STREAM_DESCRIPTION,
          content: {
            'text/event-stream': {
              schema: z.string().meta({ description: 'an SSE stream (see the description)' }),
            },
          },
        },
        '400': { description: 'a query parameter is wrong', content: json(ClientErrorSchema) },
        '401': unauthorizedAnswer,
        '403': errorAnswer('the key may not read, or it is limited to another prefix', [
          'forbidden',
        ]),
        '410': errorAnswer(
          'from is below the retained history; start again from oldestRevision (or from a fresh read)',
          ['revision-compacted'],
        ),
        '503': unavailableAnswer,
      },
    },
  },
};

const adminPath: ZodOpenApiPathsObject = {
  '/admin/reconfigure': {
    post: {
      operationId: 'reconfigure',
      summary: 'Propose the next configuration (PMMC section 4)',
      description:
        'Answers once the reconfiguration is decided. Asking again for the configuration already scheduled answers with it, so a retry is safe.',
      security: adminKey,
      requestBody: { required: true, content: json(ReconfigureBodySchema) },
      responses: {
        '200': { description: 'decided', content: json(ReconfigureAnswerSchema) },
        '400': errorAnswer('the body is wrong, or the configuration in force does not allow it', [
          'invalid-reconfiguration',
        ]),
        '401': errorAnswer('no admin key, or a wrong one', ['unauthorized']),
        '403': errorAnswer(
          'admin-disabled: ADMIN_KEY is not set; origin-refused: a browser page of another origin sent it',
          ['admin-disabled', 'origin-refused'],
        ),
        '409': errorAnswer('the log refused it: another is pending, or it is not allowed', [
          'reconfiguration-pending',
          'reconfiguration-invalid',
        ]),
        '413': errorAnswer('the body is too large', ['too-large']),
        '415': unsupportedMediaAnswer,
        '503': unavailableAnswer,
        '504': errorAnswer('not decided in time; ask again', ['timeout']),
      },
    },
  },
};

/** What every service answers without a key (runtime's http-app.ts). */
const probePaths: ZodOpenApiPathsObject = {
  '/healthz': {
    get: {
      operationId: 'health',
      summary: 'Liveness: the process serves HTTP',
      security: open,
      responses: { '200': { description: 'alive', content: json(HealthAnswerSchema) } },
    },
  },
  '/readyz': {
    get: {
      operationId: 'ready',
      summary: 'Readiness: recovered and holding its lease on the data API',
      security: open,
      responses: {
        '200': { description: 'ready', content: json(ReadyAnswerSchema) },
        '503': { description: 'not ready', content: json(ReadyAnswerSchema) },
      },
    },
  },
  '/config': {
    get: {
      operationId: 'configuration',
      summary: 'The configuration in force, the pending one and the schedule',
      security: open,
      responses: {
        '200': { description: 'as this replica has applied it', content: json(ConfigAnswerSchema) },
        '503': { description: 'still recovering', content: json(RecoveringAnswerSchema) },
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'contract',
      summary: 'This contract',
      security: open,
      responses: { '200': { description: 'OpenAPI 3.1', content: json(OpenApiAnswerSchema) } },
    },
  },
};

/** The OpenAPI document as a plain JSON value (what GET /openapi.json serves). */
export type OpenApiDocument = ReturnType<typeof createDocument>;

/**
 * The replica's client API as OpenAPI 3.1, generated from the zod schemas the service validates
 * with (zod-openapi), so the contract cannot drift from what is enforced. Pure: build it once.
 */
export function clientApiDocument(): OpenApiDocument {
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'durable-paxos replica client API',
        version: CLIENT_API_VERSION,
        description:
          'A linearizable key-value store replicated with Multi-Paxos. Every command goes through the log. Errors are JSON {code, error, ...}; docs/limits-and-errors.md explains each code.',
      },
      security: clientKey,
      paths: { ...sessionsPath, ...commandsPath, ...watchPath, ...adminPath, ...probePaths },
      components: {
        securitySchemes: {
          clientKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A client key from CLIENT_KEYS (read or write access, optionally limited to a key prefix). With CLIENT_KEYS unset (allowed only outside production) no key is needed.',
          },
          adminKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'ADMIN_KEY; POST /admin/reconfigure is disabled without it',
          },
        },
        schemas: {
          ClientCommand: ClientCommandSchema,
          ClientError: ClientErrorSchema,
          WatchChange: WatchChangeSchema,
          WatchLagged: WatchLaggedSchema,
        },
      },
    },
    { override: checksJsonSchemaCannotInfer },
  );
}

/**
 * What a zod refinement checks is invisible to JSON Schema; where one can be said in JSON
 * Schema it is added here, so a body the contract accepts is one the replica accepts.
 */
function checksJsonSchemaCannotInfer(ctx: { zodSchema: unknown; jsonSchema: object }): void {
  if (ctx.zodSchema === ListOpSchema) {
    // A list takes a prefix or a range (start, end), not both.
    Object.assign(ctx.jsonSchema, {
      description: 'a prefix or a range (start, end), not both; neither: every key',
      not: { anyOf: [{ required: ['prefix', 'start'] }, { required: ['prefix', 'end'] }] },
    });
  }
}
