import {
  ConfigScheduleSchema,
  LIMITS,
  MemberIdSchema,
  SESSION_SLOT_FACTOR,
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
 * `change:<slot>` rows hold the change history (watch-history.ts); their durable slot is when
 * they expire, not the slot they describe.
 */
export const INCARNATION_KEY = 'incarnation';
export const SNAPSHOT_KEY = 'snapshot';
const DECISION_PREFIX = 'decision:';
const CHANGE_PREFIX = 'change:';

export const decisionKey = (slot: Slot): string => `${DECISION_PREFIX}${slot}`;
export const isDecisionKey = (key: string): boolean => key.startsWith(DECISION_PREFIX);
export const changeKey = (slot: Slot): string => `${CHANGE_PREFIX}${slot}`;
export const isChangeKey = (key: string): boolean => key.startsWith(CHANGE_PREFIX);
export const snapshotPartKey = (slotOut: Slot, part: number): string =>
  `${SNAPSHOT_KEY}:${slotOut}:${part}`;

export const IncarnationSchema = z.number().int().min(0);

export const SnapshotHeadSchema = z.object({
  slotOut: SlotSchema,
  parts: z.number().int().min(1),
  /**
   * The configurations from the one governing slotOut on, and the ids that left earlier ones.
   * Absent in snapshots written before reconfiguration existed: the initial configuration.
   */
  configs: ConfigScheduleSchema.optional(),
  formerMembers: z.array(MemberIdSchema).max(LIMITS.formerMembersMax).optional(),
  /**
   * The change history's first slot when the snapshot was taken (watch-history.ts): below it
   * this replica knows no changes (retention dropped them, or they came in an installed
   * snapshot). Absent in snapshots written before the feed existed: the snapshot's slotOut.
   */
  watchFromSlot: SlotSchema.optional(),
});
export type SnapshotHead = z.infer<typeof SnapshotHeadSchema>;

export { SnapshotPartSchema, type AnswerRow, type SnapshotPart } from '@paxos/shared';

/** One slot's changes (watch-history.ts): [position, key, value or null for a delete]. */
export const ChangeRowSchema = z.object({
  slot: SlotSchema,
  changes: z
    .array(
      z.tuple([
        z
          .number()
          .int()
          .min(0)
          .max(SESSION_SLOT_FACTOR - 1),
        z.string(),
        z.string().nullable(),
      ]),
    )
    .min(1)
    .max(LIMITS.batchCommandsMax),
});
export type ChangeRow = z.infer<typeof ChangeRowSchema>;
