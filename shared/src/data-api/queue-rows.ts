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
export const EpochRowSchema = z.object({ epoch: IntegerFieldSchema });

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
