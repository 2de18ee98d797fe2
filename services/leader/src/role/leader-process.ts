import {
  ConfigEntrySchema,
  LIMITS,
  StepCollector,
  configAt,
  describeConfiguration,
  epochOf,
  mergeSchedules,
  parseDurableValue,
  type ConfigEntry,
  type DurableState,
  type Message,
  type Role,
  type StepResult,
} from '@paxos/shared';
import { z } from 'zod';
import { assertLeaderConfig, type LeaderConfig } from './config';
import { RETIRED_BELOW_KEY, SERVES_PREFIX, servesKey } from './durable-keys';
import { leaderRole } from './leader-role';
import type { LeaderState } from './state';

/**
 * The leader service's process: one PMMC leader (a LeaderState, leader-role.ts) per
 * configuration it belongs to. Every configuration is its own Paxos instance over its own slots
 * (configuration.ts), with ballots of its epoch and its own acceptors, so a leader runs each slot
 * with the configuration in force for that slot by handing every message to the leader of the
 * message's epoch: a ballot carries it (p1b, p2b, heartbeat), a proposal names its configuration.
 *
 * How a leader learns the configurations it serves:
 * - the initial one (epoch 0) from its start-up configuration, if it is a member;
 * - the others from the replicas, which know them from the log: a proposal carries the
 *   configuration of its slot, and a progress report the replica's schedule from the
 *   configuration in force on. A new member's leader for a configuration is created when it
 *   first hears of it, and, if it comes first in that configuration's leaders, scouts at once.
 * - a restarted leader reads the configurations it served from its durable state (`serves:`
 *   rows), with each one's highest ballot, and resumes one round above as before.
 *
 * A configuration's leader retires once its horizon passes the next configuration's start:
 * every slot it governs is then decided and applied by a majority of its replicas, and no
 * message of it is needed again. Retirement is durable and monotone (`retiredBelow`).
 */
export interface LeaderProcessState {
  readonly config: LeaderConfig;
  /** The leaders of the configurations this process serves, by epoch. */
  leaders: Map<number, LeaderState>;
  /** What this process knows of the configuration schedule (for /config and routing). */
  schedule: ConfigEntry[];
  /** Epochs below this are retired here (or were never served). Only grows. */
  retiredBelow: number;
  counters: { unroutable: number; retirements: number; scheduleConflicts: number };
}

const RetiredBelowSchema = z.number().int().min(0);
/** A `serves:<epoch>` row: the configuration, and where the next one starts once known. */
const ServedSchema = ConfigEntrySchema.extend({ endSlot: z.number().int().min(1).optional() });
type Served = z.infer<typeof ServedSchema>;

function instanceConfig(base: LeaderConfig, entry: ConfigEntry): LeaderConfig {
  return {
    ...base,
    cluster: {
      acceptors: entry.config.acceptors,
      leaders: entry.config.leaders,
      replicas: entry.config.replicas,
    },
    epoch: entry.config.epoch,
    startSlot: entry.startSlot,
  };
}

function initialEntry(config: LeaderConfig): ConfigEntry {
  return {
    startSlot: 1,
    // The window matters to replicas only; a leader never computes a start from it.
    config: { epoch: 0, ...config.cluster, window: 1 },
  };
}

function recoverProcess(
  config: LeaderConfig,
  durable: DurableState,
  now: number,
): StepResult<LeaderProcessState> {
  assertLeaderConfig(config);
  const retiredEntry = durable.get(RETIRED_BELOW_KEY);
  const retiredBelow = retiredEntry
    ? parseDurableValue(RETIRED_BELOW_KEY, retiredEntry.value, RetiredBelowSchema)
    : 0;
  const state: LeaderProcessState = {
    config,
    leaders: new Map(),
    schedule: [initialEntry(config)],
    retiredBelow,
    counters: { unroutable: 0, retirements: 0, scheduleConflicts: 0 },
  };
  const out = new StepCollector(state);
  const served: Served[] = [];
  for (const [key, entry] of durable) {
    if (!key.startsWith(SERVES_PREFIX)) continue;
    served.push(parseDurableValue(key, entry.value, ServedSchema));
  }
  if (config.cluster.leaders.includes(config.id) && !served.some((s) => s.config.epoch === 0)) {
    served.push(initialEntry(config));
  }
  const entries = served.map(({ startSlot, config: c }) => ({ startSlot, config: c }));
  state.schedule = mergeKnown(state.schedule, entries) ?? state.schedule;
  for (const entry of served) {
    if (entry.config.epoch < retiredBelow || state.leaders.has(entry.config.epoch)) continue;
    const result = leaderRole.recover(instanceConfig(config, entry), durable, now);
    result.state.endSlot = entry.endSlot ?? null;
    state.leaders.set(entry.config.epoch, result.state);
    addInstanceResult(out, result);
  }
  return out.result();
}

/**
 * What another process (or our own rows) knows, merged into our schedule by epoch; null when
 * they disagree, which would mean two logs. The window is left out of the comparison: the
 * initial entry's window is a placeholder here (a leader never uses one), while the replicas
 * report the real one.
 */
const mergeKnown = (mine: readonly ConfigEntry[], theirs: readonly ConfigEntry[]) =>
  mergeSchedules(mine, theirs, { compareWindow: false });

/** Folds one configuration's leader's step into the process's. */
function addInstanceResult(
  out: StepCollector<LeaderProcessState>,
  result: StepResult<LeaderState>,
): void {
  out.persist.push(...result.persist);
  if (result.persistLater) out.persistLater.push(...result.persistLater);
  out.send.push(...result.send);
  if (result.notes) out.notes.push(...result.notes);
  if (result.events) out.events.push(...result.events);
}

/** Starts serving `entry`'s configuration, durably, if this process is one of its leaders. */
function serve(
  state: LeaderProcessState,
  entry: ConfigEntry,
  now: number,
  out: StepCollector<LeaderProcessState>,
): void {
  const epoch = entry.config.epoch;
  if (epoch < state.retiredBelow || state.leaders.has(epoch)) return;
  if (!entry.config.leaders.includes(state.config.id)) return;
  out.persist.push({ op: 'put', key: servesKey(epoch), slot: null, value: entry });
  const result = leaderRole.recover(instanceConfig(state.config, entry), new Map(), now);
  state.leaders.set(epoch, result.state);
  addInstanceResult(out, result);
  out.events.push(`serving configuration ${describeConfiguration(entry.config)}`);
}

/** Learns configurations from a replica; a schedule that disagrees with ours is ignored. */
function learnSchedule(
  state: LeaderProcessState,
  entries: readonly ConfigEntry[],
  now: number,
  out: StepCollector<LeaderProcessState>,
): void {
  const merged = mergeKnown(state.schedule, entries);
  if (merged === null) {
    state.counters.scheduleConflicts += 1;
    out.notes.push('a replica reported a configuration that disagrees with one known here');
    return;
  }
  // The newest entries (routing, /config) and those this process still serves; the rest are
  // retired everywhere.
  const newest = merged.slice(-LIMITS.configEntriesMax);
  state.schedule = merged.filter((e) => newest.includes(e) || state.leaders.has(e.config.epoch));
  for (const entry of merged) serve(state, entry, now, out);
  for (const [epoch, leader] of state.leaders) {
    const next = merged.find((e) => e.config.epoch === epoch + 1);
    if (!next || leader.endSlot !== null) continue;
    // Kept with the configuration, so a restart knows when this leader may retire.
    leader.endSlot = next.startSlot;
    const row: Served = {
      startSlot: leader.startSlot,
      config: entryOf(state, epoch),
      endSlot: next.startSlot,
    };
    out.persist.push({ op: 'put', key: servesKey(epoch), slot: null, value: row });
  }
}

/**
 * Retires every configuration whose slots are all below a horizon one of our leaders reached
 * past that configuration's end (and every earlier one: their slots are lower still).
 */
function retireFinished(state: LeaderProcessState, out: StepCollector<LeaderProcessState>): void {
  let retireBelow = state.retiredBelow;
  for (const [epoch, leader] of state.leaders) {
    if (leader.endSlot !== null && leader.collectedBelow >= leader.endSlot) {
      retireBelow = Math.max(retireBelow, epoch + 1);
    }
  }
  if (retireBelow === state.retiredBelow) return;
  state.retiredBelow = retireBelow;
  for (const epoch of [...state.leaders.keys()]) {
    if (epoch >= retireBelow) continue;
    state.leaders.delete(epoch);
    state.counters.retirements += 1;
    out.events.push(`configuration epoch ${epoch} retired: every slot of it is collected`);
  }
  out.persist.push({ op: 'put', key: RETIRED_BELOW_KEY, slot: null, value: retireBelow });
}

function entryOf(state: LeaderProcessState, epoch: number): ConfigEntry['config'] {
  const entry = state.schedule.find((e) => e.config.epoch === epoch);
  if (!entry) throw new Error(`configuration epoch ${epoch} is served but not in the schedule`);
  return entry.config;
}

function routedEpoch(message: Message): number | null {
  switch (message.type) {
    case 'p1b':
    case 'p2b':
    case 'heartbeat':
      return epochOf(message.ballot);
    case 'propose':
      return message.configEntry?.config.epoch ?? 0;
    default:
      return null;
  }
}

/**
 * A replica reports a slotOut below the first slot of the oldest configuration served here,
 * while the configuration before it is retired here: every slot it misses is collected, and no
 * leader anywhere serves them any more (a new replica whose snapshot ends just below its
 * configuration's start, in an idle log, would otherwise wait for ever). It must catch up by
 * state transfer.
 */
function tellIfBelowRetired(
  state: LeaderProcessState,
  message: Message & { type: 'progress' },
  out: StepCollector<LeaderProcessState>,
): void {
  let oldest: LeaderState | null = null;
  for (const leader of state.leaders.values()) {
    if (oldest === null || leader.epoch < oldest.epoch) oldest = leader;
  }
  if (oldest === null || oldest.epoch === 0 || state.retiredBelow < oldest.epoch) return;
  if (message.slotOut >= oldest.startSlot) return;
  out.send.push({
    to: message.from,
    message: { type: 'behind', from: state.config.id, collectedBelow: oldest.startSlot },
  });
  out.notes.push(
    `progress from ${message.from} at ${message.slotOut}: below epoch ${oldest.epoch}'s start ` +
      `${oldest.startSlot}, and the epochs before are retired: told it is behind`,
  );
}

function stepProcess(
  state: LeaderProcessState,
  message: Message,
  now: number,
): StepResult<LeaderProcessState> {
  const out = new StepCollector(state);
  if (message.type === 'progress') {
    if (message.configs) learnSchedule(state, message.configs, now, out);
    tellIfBelowRetired(state, message, out);
    for (const leader of state.leaders.values()) {
      addInstanceResult(out, leaderRole.step(leader, message, now));
    }
  } else {
    if (message.type === 'propose' && message.configEntry) {
      learnSchedule(state, [message.configEntry], now, out);
    }
    const epoch = routedEpoch(message);
    const leader = epoch === null ? undefined : state.leaders.get(epoch);
    if (!leader && message.type === 'propose' && epoch !== null && epoch < state.retiredBelow) {
      // Every slot of a retired configuration is collected: a replica still proposing there is
      // below the horizon, and only another replica's snapshot can bring it up.
      out.send.push({
        to: message.from,
        message: { type: 'behind', from: state.config.id, collectedBelow: message.slot + 1 },
      });
    }
    if (!leader) {
      state.counters.unroutable += 1;
      out.notes.push(
        `${message.type} from ${message.from} for epoch ${epoch ?? '-'}: not served here`,
      );
      return out.result();
    }
    addInstanceResult(out, leaderRole.step(leader, message, now));
  }
  retireFinished(state, out);
  return out.result();
}

function tickProcess(state: LeaderProcessState, now: number): StepResult<LeaderProcessState> {
  const out = new StepCollector(state);
  for (const leader of state.leaders.values()) addInstanceResult(out, leaderRole.tick(leader, now));
  retireFinished(state, out);
  return out.result();
}

function nextProcessDeadline(state: LeaderProcessState): number | null {
  let next: number | null = null;
  for (const leader of state.leaders.values()) {
    const deadline = leaderRole.nextDeadline(leader);
    if (deadline !== null && (next === null || deadline < next)) next = deadline;
  }
  return next;
}

export const leaderProcessRole: Role<LeaderProcessState, LeaderConfig> = {
  recover: recoverProcess,
  step: stepProcess,
  tick: tickProcess,
  nextDeadline: nextProcessDeadline,
};

/** The leader serving the newest configuration here (for gauges and summaries), or null. */
export function newestLeader(state: LeaderProcessState): LeaderState | null {
  let newest: LeaderState | null = null;
  for (const leader of state.leaders.values()) {
    if (newest === null || leader.epoch > newest.epoch) newest = leader;
  }
  return newest;
}

/** The configuration governing `slot` as far as this process knows. */
export const knownConfigAt = (state: LeaderProcessState, slot: number) =>
  configAt(state.schedule, slot);
