import { z } from 'zod';
import { SESSION_SLOT_FACTOR } from './command';
import { CLIENT_PREFIX } from './ids';

/**
 * Revisions of the change feed (GET /watch, docs/watch.md). A change is named by where its
 * command was decided: `slot * SESSION_SLOT_FACTOR + position`, its position in the slot's batch
 * (a batch holds fewer than SESSION_SLOT_FACTOR commands). Revisions grow with the log, are the
 * same on every replica, and leave gaps (a slot's reads, no-op slots): a revision names a
 * place, not a count.
 */
export const revisionOf = (slot: number, position: number): number =>
  slot * SESSION_SLOT_FACTOR + position;
export const slotOfRevision = (revision: number): number =>
  Math.floor(revision / SESSION_SLOT_FACTOR);
/** The first revision of a slot: where `fromSlot` starts a feed. */
export const firstRevisionOf = (slot: number): number => slot * SESSION_SLOT_FACTOR;

export const RevisionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One event of the feed: a put (value) or a delete (value null) of `key`. */
export const ChangeEventSchema = z.object({
  revision: RevisionSchema,
  slot: z.number().int().min(1),
  position: z
    .number()
    .int()
    .min(0)
    .max(SESSION_SLOT_FACTOR - 1),
  key: z.string(),
  value: z.string().nullable(),
});
export type ChangeEvent = z.infer<typeof ChangeEventSchema>;

/**
 * Where a replica's role tells its own watch feed that slots are applied and committed (an
 * `applied` message, delivered in the process after the step's commit, never queued).
 */
export const WATCH_FEED_DESTINATION = `${CLIENT_PREFIX}watch`;
