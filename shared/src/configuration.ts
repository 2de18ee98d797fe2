import { z } from 'zod';
import { MemberIdSchema, type Cluster, type ProcessId } from './ids';
import { LIMITS } from './limits';

/**
 * A configuration (PMMC section 4): who the acceptors, leaders and replicas are, and the WINDOW.
 * It is part of the replicated state. The fleet starts with epoch 0 (the initial configuration,
 * from the environment); each reconfiguration decided in the log makes the next epoch, which
 * governs every slot from `startSlot` = (the slot it was decided in) + (the WINDOW of the
 * configuration governing that slot). Every slot belongs to exactly one configuration, so the
 * majorities of two configurations need not overlap: each configuration is its own Paxos
 * instance over its own range of slots, and its ballots carry its epoch (ballot.ts).
 */
const memberList = z
  .array(MemberIdSchema)
  .min(1)
  .max(LIMITS.configMembersMax)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'names a member twice' });

export const MembersSchema = z.object({
  acceptors: memberList,
  leaders: memberList,
  replicas: memberList,
});
export type Members = z.infer<typeof MembersSchema>;

export const WindowSchema = z.number().int().min(1).max(LIMITS.windowSlotsMax);

export const ConfigurationSchema = MembersSchema.extend({
  epoch: z.number().int().min(0),
  /** PMMC's WINDOW for reconfigurations decided in this configuration's slots. */
  window: WindowSchema,
});
export type Configuration = z.infer<typeof ConfigurationSchema>;

/** A configuration and the first slot it governs; it governs up to the next entry's start. */
export const ConfigEntrySchema = z.object({
  startSlot: z.number().int().min(1),
  config: ConfigurationSchema,
});
export type ConfigEntry = z.infer<typeof ConfigEntrySchema>;

/** The schedule of configurations: sorted by startSlot (and epoch), one entry per epoch. */
export const ConfigScheduleSchema = z.array(ConfigEntrySchema).min(1).max(LIMITS.configEntriesMax);

export function initialConfiguration(cluster: Cluster, window: number): Configuration {
  return {
    epoch: 0,
    acceptors: [...cluster.acceptors],
    leaders: [...cluster.leaders],
    replicas: [...cluster.replicas],
    window,
  };
}

export const membersOf = (c: Members): Cluster => ({
  acceptors: c.acceptors,
  leaders: c.leaders,
  replicas: c.replicas,
});

export const isMember = (c: Members, id: ProcessId): boolean =>
  c.acceptors.includes(id) || c.leaders.includes(id) || c.replicas.includes(id);

/** The entry governing `slot`: the last one starting at or below it. */
export function entryAt(schedule: readonly ConfigEntry[], slot: number): ConfigEntry {
  let found = schedule[0];
  if (!found) throw new Error('empty configuration schedule');
  for (const entry of schedule) {
    if (entry.startSlot <= slot) found = entry;
    else break;
  }
  if (found.startSlot > slot) {
    throw new Error(`no configuration known for slot ${slot} (first starts at ${found.startSlot})`);
  }
  return found;
}

export const configAt = (schedule: readonly ConfigEntry[], slot: number): Configuration =>
  entryAt(schedule, slot).config;

/**
 * The first slot a replica that has applied every slot below `slotOut` may NOT propose into:
 * a reconfiguration decided at any slot s >= slotOut takes effect at s + window(s) at the
 * earliest, so every slot below the minimum of those is governed by a configuration the replica
 * already knows (PMMC's R5 with a WINDOW that may change). The minimum over s is reached at
 * slotOut or at the start of a later known entry.
 */
export function proposalLimit(schedule: readonly ConfigEntry[], slotOut: number): number {
  let limit = slotOut + configAt(schedule, slotOut).window;
  for (const entry of schedule) {
    if (entry.startSlot > slotOut) limit = Math.min(limit, entry.startSlot + entry.config.window);
  }
  return limit;
}

/** The entries from the one governing `slot` on (what is still relevant at that slot). */
export function scheduleFrom(schedule: readonly ConfigEntry[], slot: number): ConfigEntry[] {
  const first = entryAt(schedule, slot);
  return schedule.filter((e) => e.startSlot >= first.startSlot);
}

/** The latest entry (in force or pending). */
export function latestEntry(schedule: readonly ConfigEntry[]): ConfigEntry {
  const last = schedule[schedule.length - 1];
  if (!last) throw new Error('empty configuration schedule');
  return last;
}

/**
 * Merges what another process knows into a schedule: entries of the same epoch must agree
 * (the log decides each once), and the result is sorted by epoch. Returns null when they
 * disagree, which would mean two logs.
 */
export function mergeSchedules(
  mine: readonly ConfigEntry[],
  theirs: readonly ConfigEntry[],
  { compareWindow = true }: { compareWindow?: boolean } = {},
): ConfigEntry[] | null {
  const byEpoch = new Map<number, ConfigEntry>();
  for (const entry of [...mine, ...theirs]) {
    const known = byEpoch.get(entry.config.epoch);
    if (known && !sameEntry(known, entry, compareWindow)) return null;
    byEpoch.set(entry.config.epoch, known ?? entry);
  }
  return [...byEpoch.values()].sort((a, b) => a.config.epoch - b.config.epoch);
}

/** Field by field: an entry read back from JSON may list its keys in another order. */
export function sameEntry(a: ConfigEntry, b: ConfigEntry, compareWindow = true): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((id, i) => id === y[i]);
  return (
    a.startSlot === b.startSlot &&
    a.config.epoch === b.config.epoch &&
    (!compareWindow || a.config.window === b.config.window) &&
    same(a.config.acceptors, b.config.acceptors) &&
    same(a.config.leaders, b.config.leaders) &&
    same(a.config.replicas, b.config.replicas)
  );
}

/**
 * Why `next` cannot follow `current`, or null. Every member id is distinct across roles, and
 * no id that left an earlier configuration may come back: a process that lost its state must
 * never rejoin under its old identity (PMMC), so a replacement is always a new id.
 */
export function reconfigurationProblem(
  current: Configuration,
  next: Members,
  formerMembers: readonly ProcessId[],
): string | null {
  const parsed = MembersSchema.safeParse(next);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid members';
  const all = [...next.acceptors, ...next.leaders, ...next.replicas];
  if (new Set(all).size !== all.length) return 'a process may hold one role only';
  const back = all.find((id) => formerMembers.includes(id) && !isMember(current, id));
  if (back !== undefined) {
    return `${back} left an earlier configuration; a replacement needs a new id`;
  }
  const roleChanged = all.find(
    (id) =>
      isMember(current, id) &&
      !(
        (current.acceptors.includes(id) && next.acceptors.includes(id)) ||
        (current.leaders.includes(id) && next.leaders.includes(id)) ||
        (current.replicas.includes(id) && next.replicas.includes(id))
      ),
  );
  if (roleChanged !== undefined) return `${roleChanged} cannot change role`;
  return null;
}

/** Ids in `before` but not in `after`: the members a reconfiguration retires. */
export function leavingMembers(before: Members, after: Members): ProcessId[] {
  return [...before.acceptors, ...before.leaders, ...before.replicas].filter(
    (id) => !isMember(after, id),
  );
}

/** `e2 [acceptor-0 acceptor-3 acceptor-2 | leader-0 leader-1 | replica-0 replica-1] w16` */
export function describeConfiguration(c: Configuration): string {
  return (
    `e${c.epoch} [${c.acceptors.join(' ')} | ${c.leaders.join(' ')} | ` +
    `${c.replicas.join(' ')}] w${c.window}`
  );
}
