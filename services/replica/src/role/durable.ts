import { ConfigScheduleSchema, LIMITS, MemberIdSchema, SlotSchema, type Slot } from '@paxos/shared';
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
  /**
   * The configurations from the one governing slotOut on, and the ids that left earlier ones.
   * Absent in snapshots written before reconfiguration existed: the initial configuration.
   */
  configs: ConfigScheduleSchema.optional(),
  formerMembers: z.array(MemberIdSchema).max(LIMITS.formerMembersMax).optional(),
});
export type SnapshotHead = z.infer<typeof SnapshotHeadSchema>;

export { SnapshotPartSchema, type AnswerRow, type SnapshotPart } from '@paxos/shared';
