import {
  OpResultSchema,
  RequestIdSchema,
  SessionIdSchema,
  SlotSchema,
  type Slot,
} from '@paxos/shared';
import { z } from 'zod';

/**
 * The replica's durable layout. `decision:<slot>` rows carry their slot so a snapshot can
 * truncate them. A snapshot is several rows, none larger than LIMITS.snapshotPartJsonBytesMax:
 * its parts `snapshot:<slotOut>:<part>`, carrying slot = slotOut so the NEXT snapshot's
 * truncation removes them, and the head `snapshot` (no slot, survives truncation) naming the
 * slotOut and the part count of the snapshot in force. `incarnation` carries no slot either.
 */
export const INCARNATION_KEY = 'incarnation';
export const SNAPSHOT_KEY = 'snapshot';
const DECISION_PREFIX = 'decision:';

export const decisionKey = (slot: Slot): string => `${DECISION_PREFIX}${slot}`;
export const isDecisionKey = (key: string): boolean => key.startsWith(DECISION_PREFIX);
export const snapshotPartKey = (slotOut: Slot, part: number): string =>
  `${SNAPSHOT_KEY}:${slotOut}:${part}`;

export const IncarnationSchema = z.number().int().min(0);

export const SnapshotHeadSchema = z.object({
  slotOut: SlotSchema,
  parts: z.number().int().min(1),
});
export type SnapshotHead = z.infer<typeof SnapshotHeadSchema>;

const SessionRowSchema = z.object({
  id: SessionIdSchema.min(1),
  lastActiveSlot: z.number().int().min(0),
  floor: z.number().int().min(0),
});

const AnswerRowSchema = z.object({
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
