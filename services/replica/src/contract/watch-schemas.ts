import { ChangeEventSchema, LIMITS, RevisionSchema, SESSION_SLOT_FACTOR } from '@paxos/shared';
import { z } from 'zod';

/**
 * GET /watch: the change feed as server-sent events. A revision is
 * `slot * SESSION_SLOT_FACTOR + position` (the command's place in its slot's batch), so the
 * revisions of one slot's changes are consecutive and every change has exactly one.
 */

export const WatchQuerySchema = z.object({
  prefix: z
    .string()
    .max(LIMITS.keyCharsMax)
    .optional()
    .meta({ description: 'only keys that start with it; absent: every key' }),
  from: RevisionSchema.optional().meta({
    description: 'the first revision to send (inclusive); absent: only changes from now on',
  }),
  fromSlot: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({
      description: `changes from this slot on: the same as from=slot*${SESSION_SLOT_FACTOR}`,
    }),
});

export const WatchHeadersSchema = z.object({
  'last-event-id': z
    .string()
    .optional()
    .meta({ description: 'resume after this revision (an EventSource sends it on reconnect)' }),
});

/** The `data` of a `put` or `delete` event (value null for a delete); `id` is its revision. */
export const WatchChangeSchema = ChangeEventSchema.meta({ id: 'WatchChange' });

/** The `data` of the last event a watcher gets when it fell too far behind. */
export const WatchLaggedSchema = z
  .object({
    resumeFrom: RevisionSchema.meta({ description: 'watch again with from=resumeFrom' }),
  })
  .meta({ id: 'WatchLagged' });

export const WATCH_STREAM_DESCRIPTION = [
  'Server-sent events, in revision order, each change exactly once:',
  '`event: put` or `event: delete` with `id: <revision>` and `data:` a WatchChange;',
  'a watcher that falls more than LIMITS.watchLagEventsMax events behind gets a final',
  '`event: lagged` with `data:` a WatchLagged, and the stream closes.',
].join(' ');
