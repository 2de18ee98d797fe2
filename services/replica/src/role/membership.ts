import {
  configAt,
  describeConfiguration,
  latestEntry,
  proposalLimit,
  scheduleFrom,
  type ConfigEntry,
  type Configuration,
  type ProcessId,
  type Slot,
  type StepCollector,
} from '@paxos/shared';
import type { ReplicaState } from './state';

/**
 * The replica's side of reconfiguration (PMMC section 4). The schedule of configurations is
 * part of the applied state: a reconfiguration decided in slot s schedules the next epoch from
 * s + WINDOW (the window of the configuration governing s), so every replica that applied s
 * schedules the same one. What a replica does in each slot follows the configuration governing
 * that slot: whom it proposes to, whose acceptances decide, whether it proposes at all.
 */

export const configOfSlot = (state: ReplicaState, slot: Slot): Configuration =>
  configAt(state.configs, slot);

/** The configuration in force: the one governing slotOut. */
export const configInForce = (state: ReplicaState): Configuration =>
  configOfSlot(state, state.slotOut);

/** A configuration decided but not in force yet, or null (there is at most one). */
export function pendingEntry(state: ReplicaState): ConfigEntry | null {
  const latest = latestEntry(state.configs);
  return latest.startSlot > state.slotOut ? latest : null;
}

/** PMMC's R5 with the window of the configurations: proposals only below this slot. */
export const proposalLimitOf = (state: ReplicaState): Slot =>
  proposalLimit(state.configs, state.slotOut);

export const isReplicaAt = (state: ReplicaState, slot: Slot): boolean =>
  configOfSlot(state, slot).replicas.includes(state.config.id);

/**
 * This replica is in no configuration it knows from slotOut on (the schedule holds only those):
 * it left, or it is joining and has not learned the configuration it joins yet. It proposes
 * nothing, and its clients must go elsewhere.
 */
export function isOutsideConfiguration(state: ReplicaState): boolean {
  return !state.configs.some((e) => e.config.replicas.includes(state.config.id));
}

/**
 * A member of a pending configuration that is not a replica of the one in force: it joins, and
 * the slots before its first are not its to propose or, once the configuration before is
 * retired, anyone's to serve. It catches up by snapshot.
 */
export function isJoining(state: ReplicaState): boolean {
  return !isReplicaAt(state, state.slotOut) && !isOutsideConfiguration(state);
}

/** The schedule as progress reports carry it: absent while only the initial one exists. */
export function reportedSchedule(state: ReplicaState): ConfigEntry[] | undefined {
  const only = state.configs.length === 1 ? state.configs[0] : undefined;
  return only && only.config.epoch === 0 ? undefined : state.configs;
}

/** Leaders of every configuration from the one in force on: they all need our progress. */
export function leadersToReport(state: ReplicaState): ProcessId[] {
  const leaders = new Set<ProcessId>();
  for (const entry of state.configs) for (const leader of entry.config.leaders) leaders.add(leader);
  return [...leaders];
}

/** The entry governing `slot`, when it is not the initial configuration (a proposal carries it). */
export function proposalEntry(state: ReplicaState, slot: Slot): ConfigEntry | undefined {
  let governing: ConfigEntry | undefined;
  for (const entry of state.configs) if (entry.startSlot <= slot) governing = entry;
  return governing && governing.config.epoch > 0 ? governing : undefined;
}

/**
 * slotOut moved: configurations that govern no slot from slotOut on are dropped, and a
 * configuration that came into force is announced.
 */
export function advanceSchedule(
  state: ReplicaState,
  out: StepCollector<ReplicaState> | null,
): void {
  const before = state.configs[0];
  state.configs = scheduleFrom(state.configs, state.slotOut);
  const now = state.configs[0];
  if (out && before && now && now !== before) {
    out.events.push(
      `configuration ${describeConfiguration(now.config)} in force from slot ${now.startSlot}` +
        (now.config.replicas.includes(state.config.id) ? '' : `: ${state.config.id} has left`),
    );
  }
}
