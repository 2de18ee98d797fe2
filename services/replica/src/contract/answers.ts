import {
  ConfigAnswerSchema as SharedConfigAnswerSchema,
  OpResultSchema,
  RequestIdSchema,
  SessionIdSchema,
} from '@paxos/shared';
import { z } from 'zod';

/** The successful answers of the client API, as the service writes them. */

const SlotSchema = z.number().int().min(1);
const ProcessIdText = z.string().min(1);

/** POST /sessions, 200. */
export const SessionAnswerSchema = z
  .object({ sessionId: SessionIdSchema.min(1) })
  .meta({ id: 'SessionAnswer', description: 'the new session; number its requests from 1' });

/** POST /commands, 200: decided in `slot` and applied (reads too: they go through the log). */
export const CommandAnswerSchema = z
  .object({
    sessionId: SessionIdSchema,
    requestId: RequestIdSchema,
    slot: SlotSchema.meta({
      description:
        'the slot the command was decided in; for a read (`read` set), the last slot applied where it was read',
    }),
    result: OpResultSchema,
    read: z
      .enum(['linearizable', 'serializable'])
      .optional()
      .meta({ description: 'set on a read answered without a slot of its own (docs/reads.md)' }),
  })
  .meta({ id: 'CommandAnswer' });

/** POST /admin/reconfigure, 200. */
export const ReconfigureAnswerSchema = z
  .object({
    epoch: z.number().int().min(1),
    startSlot: SlotSchema.meta({ description: 'the first slot the new configuration governs' }),
    slot: SlotSchema.meta({ description: 'the slot the reconfiguration was decided in' }),
  })
  .meta({ id: 'ReconfigureAnswer' });

export const HealthAnswerSchema = z.object({
  status: z.literal('ok'),
  role: z.string(),
  processId: ProcessIdText,
});

export const ReadyAnswerSchema = z.object({
  ready: z.boolean(),
  role: z.string(),
  processId: ProcessIdText,
});

/** GET /config, 200: the schema the dashboard and the fleet tools read it with. */
export const ConfigAnswerSchema = SharedConfigAnswerSchema.meta({ id: 'ConfigAnswer' });

/** GET /config, 503 while the replica recovers (no code: it is the shell's common answer). */
export const RecoveringAnswerSchema = z.object({
  error: z.string(),
  retryable: z.literal(true),
});

/** GET /openapi.json: this document. */
export const OpenApiAnswerSchema = z
  .looseObject({ openapi: z.string(), info: z.object({}).loose(), paths: z.object({}).loose() })
  .meta({ description: 'this OpenAPI 3.1 document' });
