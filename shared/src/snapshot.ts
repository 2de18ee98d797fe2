import { z } from 'zod';
import { OpResultSchema, RequestIdSchema, SessionIdSchema } from './command';

const SlotSchema = z.number().int().min(1);

/**
 * A replica's applied state in parts of at most LIMITS.snapshotPartJsonBytesMax each: written to
 * its durable state as its snapshot, and sent through the queue to a replica that must catch up
 * (state transfer, messages.ts: snapshot-chunk).
 */
export const SessionRowSchema = z.object({
  id: SessionIdSchema.min(1),
  lastActiveSlot: z.number().int().min(0),
  floor: z.number().int().min(0),
});

export const AnswerRowSchema = z.object({
  sessionId: SessionIdSchema.min(1),
  requestId: RequestIdSchema,
  slot: SlotSchema,
  result: OpResultSchema,
  opDigest: z.string().min(1).max(64),
});
export type AnswerRow = z.infer<typeof AnswerRowSchema>;

/**
 * One part: some of the store's entries, some sessions and some cached answers. Read in part
 * order, the parts give the store, the session table and the answers in the order they were
 * performed (oldest first), which the byte-bounded cache eviction depends on.
 */
export const SnapshotPartSchema = z.object({
  slotOut: SlotSchema,
  part: z.number().int().min(0),
  kv: z.array(z.tuple([z.string(), z.string()])),
  sessions: z.array(SessionRowSchema),
  answers: z.array(AnswerRowSchema),
});
export type SnapshotPart = z.infer<typeof SnapshotPartSchema>;
