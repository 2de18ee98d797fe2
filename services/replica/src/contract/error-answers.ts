import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';

/**
 * Every `code` a replica's client API answers with (docs/limits-and-errors.md). The contract's
 * test checks that the service's own list (ClientErrorCode in service/http-io.ts) is covered, so
 * a code added to the service and forgotten here fails the typecheck.
 */
export const CLIENT_ERROR_CODES = [
  'invalid-command',
  'request-id-conflict',
  'session-unknown',
  'request-too-old',
  'too-large',
  'kv-quota-exceeded',
  'not-ready',
  'overloaded',
  'timeout',
  'not-member',
  'unauthorized',
  'forbidden',
  'origin-refused',
  'unsupported-media-type',
  'revision-compacted',
  'admin-disabled',
  'invalid-reconfiguration',
  'reconfiguration-pending',
  'reconfiguration-invalid',
] as const;
export type ContractErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/**
 * An error answer: a machine-readable `code`, a sentence for people, and the fields some codes
 * add. Loose on purpose: a field added to one answer later does not break older clients.
 */
export const ClientErrorSchema = z
  .looseObject({
    code: z.string().meta({ description: 'what went wrong, one cause per code' }),
    error: z.string().meta({ description: 'the cause, for people; never parse it' }),
    retryable: z
      .boolean()
      .optional()
      .meta({ description: 'true: the same request may be sent again, unchanged' }),
    outcomeUnknown: z.boolean().optional().meta({
      description:
        'true: an earlier attempt may or may not have run; never resubmit it automatically under a new session',
    }),
    sessionId: z.number().int().min(0).optional(),
    requestId: z.number().int().min(1).optional(),
    slot: z.number().int().min(1).optional().meta({ description: 'where it was decided' }),
    oldestRevision: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'revision-compacted: the oldest revision a watch can still start at' }),
  })
  .meta({ id: 'ClientError' });

/**
 * The error schema narrowed to the codes one status can carry for one route: an intersection
 * (allOf with a reference), so each answer names its codes without repeating every field.
 */
const errorWith = (codes: readonly [ContractErrorCode, ...ContractErrorCode[]]) =>
  z.intersection(ClientErrorSchema, z.looseObject({ code: z.enum(codes) }));

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/** A response object answering `codes` with the ClientError shape. */
export function errorAnswer(
  description: string,
  codes: readonly [ContractErrorCode, ...ContractErrorCode[]],
): ZodOpenApiResponseObject {
  return { description, content: json(errorWith(codes)) };
}

/** 503: try again after Retry-After seconds, with the same request (it runs at most once). */
export const unavailableAnswer: ZodOpenApiResponseObject = {
  description:
    'not-ready (recovering, or the data API is unreachable), overloaded (too many waiting requests) or not-member (this replica is outside the configuration: try another); retry after Retry-After seconds with the same request',
  headers: z.object({
    'retry-after': z.string().meta({ description: 'seconds to wait before retrying' }),
  }),
  content: json(errorWith(['not-ready', 'overloaded', 'not-member'])),
};

/** 401: no key, or a key the replica does not hold (CLIENT_KEYS). */
export const unauthorizedAnswer = errorAnswer(
  'no client key, or a wrong one: send Authorization: Bearer <key>',
  ['unauthorized'],
);

/**
 * 403 on a route that reads or writes keys: the key is used beyond its rights, or a browser
 * page of another origin sent the request.
 */
export const forbiddenAnswer = errorAnswer(
  'forbidden: the key is read-only and the command writes, or the key is limited to a prefix the command leaves; origin-refused: the request came from a browser page of an origin not in ALLOWED_ORIGINS',
  ['forbidden', 'origin-refused'],
);

/** 415 on every state-changing route: browsers cannot send application/json cross-origin unasked. */
export const unsupportedMediaAnswer = errorAnswer(
  'the body is not application/json (state-changing endpoints take JSON only)',
  ['unsupported-media-type'],
);
