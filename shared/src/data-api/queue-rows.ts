import { z } from 'zod';

/**
 * The row shapes of the custom queries (neurelo/queries/*.sql). BIGINT columns and count(*)
 * reach JSON as strings from node-postgres, so integer fields accept a number or a string
 * of digits; anything else (an empty string, a fraction, null) is refused rather than
 * silently becoming 0 the way z.coerce.number() would.
 */
export const IntegerFieldSchema = z
  .union([z.number(), z.string().regex(/^-?\d+$/, 'expected an integer')])
  .transform(Number)
  .pipe(z.int());

export const PoppedRowSchema = z.object({
  element_identifier: z.string(),
  time_inserted: z.string(),
  dst: z.string(),
  payload: z.string(),
});

export const InsertedRowSchema = z.object({ inserted: IntegerFieldSchema });

export const ClaimedRowSchema = z.object({
  element_identifier: z.string(),
  payload: z.string(),
  attempts: IntegerFieldSchema,
  seq: IntegerFieldSchema,
});

export const AckedRowSchema = z.object({ acked: IntegerFieldSchema });
export const ReleasedRowSchema = z.object({ released: IntegerFieldSchema });
export const MovedRowSchema = z.object({ moved: IntegerFieldSchema });
export const DeletedRowSchema = z.object({ deleted: IntegerFieldSchema });
/**
 * A span of milliseconds computed in SQL (`extract(epoch from ...) * 1000` is fractional):
 * rounded up, never negative. A waiter that sleeps it is then sure the span is over.
 */
export const MillisecondsFieldSchema = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a number')])
  .transform(Number)
  .pipe(z.number().finite())
  .transform((ms) => Math.max(0, Math.ceil(ms)));

/** epoch_claim: granted (and the new epoch), or the holder's epoch and when its lease ends. */
export const EpochClaimRowSchema = z.object({
  granted: z.boolean(),
  epoch: IntegerFieldSchema,
  retryInMs: MillisecondsFieldSchema,
});
export const EpochRenewedRowSchema = z.object({ renewed: z.boolean() });
export const EpochReleasedRowSchema = z.object({ released: z.boolean() });

export const RetentionRowSchema = z.object({
  removedUnknown: IntegerFieldSchema,
  removedDeadLetters: IntegerFieldSchema,
  unknownRows: IntegerFieldSchema,
  deadLetterRows: IntegerFieldSchema,
});

/** member_retire: what it deleted, what is left queued, or the live lease that refused it. */
export const MemberRetireRowSchema = z.object({
  retired: z.boolean(),
  queueRows: IntegerFieldSchema,
  stateRows: IntegerFieldSchema,
  epochRows: IntegerFieldSchema,
  queueRowsLeft: IntegerFieldSchema,
  retryInMs: MillisecondsFieldSchema,
});

export const DurableRowSchema = z.object({
  key: z.string(),
  slot: IntegerFieldSchema.nullable(),
  value: z.unknown(),
});

export const StepCommitRowSchema = z.object({
  fenced: z.boolean(),
  acked: IntegerFieldSchema,
  put: IntegerFieldSchema,
  truncated: IntegerFieldSchema,
  sent: IntegerFieldSchema,
});

export const DepthRowSchema = z.object({
  dst: z.string(),
  depth: IntegerFieldSchema,
  leased: IntegerFieldSchema,
});
