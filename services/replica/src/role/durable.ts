import {
  OpResultSchema,
  ProcessIdSchema,
  RequestIdSchema,
  SlotSchema,
  type Slot,
} from '@paxos/shared';
import { z } from 'zod';

/**
 * The replica's durable layout. `decision:<slot>` entries carry their slot so a snapshot can
 * truncate them; `snapshot` and `incarnation` carry none and survive truncation.
 * Values are plain JSON (the services store them as jsonb, which rejects the NUL inside a
 * commandKey, so cached responses are stored by clientId and requestId, not by key).
 */
export const INCARNATION_KEY = 'incarnation';
export const SNAPSHOT_KEY = 'snapshot';
const DECISION_PREFIX = 'decision:';

export const decisionKey = (slot: Slot): string => `${DECISION_PREFIX}${slot}`;
export const isDecisionKey = (key: string): boolean => key.startsWith(DECISION_PREFIX);

export const IncarnationSchema = z.number().int().min(0);

export const SnapshotSchema = z.object({
  slotOut: SlotSchema,
  kv: z.array(z.tuple([z.string(), z.string()])),
  responses: z.array(
    z.object({
      clientId: ProcessIdSchema,
      requestId: RequestIdSchema,
      slot: SlotSchema,
      result: OpResultSchema,
    }),
  ),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;
