import { z } from 'zod';
import { ProcessIdSchema } from './ids';

/** Keys and values of the replicated key-value store. */
export const KeySchema = z.string().min(1).max(256);
export const ValueSchema = z.string().max(64 * 1024);

export const OpSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('get'), key: KeySchema }),
  z.object({ kind: z.literal('put'), key: KeySchema, value: ValueSchema }),
  z.object({ kind: z.literal('delete'), key: KeySchema }),
  /** Compare-and-set: writes `value` only if the current value equals `expected` (null: absent). */
  z.object({
    kind: z.literal('cas'),
    key: KeySchema,
    expected: ValueSchema.nullable(),
    value: ValueSchema,
  }),
]);
export type Op = z.infer<typeof OpSchema>;

export const RequestIdSchema = z.string().min(1).max(128);

/** What a client submits. (clientId, requestId) identifies it: it runs at most once. */
export const CommandSchema = z.object({
  clientId: ProcessIdSchema,
  requestId: RequestIdSchema,
  op: OpSchema,
});
export type Command = z.infer<typeof CommandSchema>;

/**
 * The outcome of one operation. `value` is the value read (get), the value before
 * the write (put, delete) or the current value after the attempt (cas).
 * `ok` is false only for a cas whose expectation did not hold.
 */
export const OpResultSchema = z.object({ ok: z.boolean(), value: ValueSchema.nullable() });
export type OpResult = z.infer<typeof OpResultSchema>;

/**
 * What one slot decides: a batch of commands. `batchId` is unique per batch (made by the
 * proposer, e.g. `replica-0:17`), so two batches with equal commands are still told apart.
 * An empty batch is a no-op (used to fill gaps and to push an idle log forward).
 */
export const BatchSchema = z.object({
  batchId: z.string().min(1).max(256),
  commands: z.array(CommandSchema).max(10_000),
});
export type Batch = z.infer<typeof BatchSchema>;

export const commandKey = (c: Pick<Command, 'clientId' | 'requestId'>): string =>
  `${c.clientId}\u0000${c.requestId}`;

export const batchEquals = (a: Batch, b: Batch): boolean => a.batchId === b.batchId;

export function noopBatch(batchId: string): Batch {
  return { batchId, commands: [] };
}
