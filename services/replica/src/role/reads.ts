import {
  LIMITS,
  StepCollector,
  applyOp,
  opDigest,
  type ClientCommand,
  type ConfigEntry,
  type Envelope,
  type ProcessId,
  type ReadProbeReply,
  type Slot,
  type StepResult,
} from '@paxos/shared';
import { answerEnvelope } from './outbox';
import type { ReplicaState } from './state';

/**
 * Reads without a slot of their own (docs/reads.md), PMMC's read-only commands as a read index:
 * a read waits for a probe sent after it arrived; the probe asks the acceptors of every
 * configuration governing a slot this replica has not applied for the highest slot they have
 * accepted; once a majority of each has replied and every slot through the highest reply is
 * applied here, the read runs on this replica's state.
 *
 * Why it is linearizable: a write acknowledged before the read arrived was decided at some slot
 * s, so a majority of the acceptors of s's configuration had accepted s before the probe went
 * out; one of them is in the majority that replied, and an acceptor's reply never decreases, so
 * the highest reply is at least s. If s's configuration was not known here when the probe went
 * out, the reconfiguration that scheduled it sits in an earlier slot decided before the read
 * (by the same argument, applied here before the read is served): the probe is then extended to
 * the new configuration's acceptors before any read it carries is answered.
 *
 * No clock is involved, and nothing is persisted: a replica that restarts forgets its probes
 * and its HTTP clients retry.
 */

export interface ReadProbeInFlight {
  /** `<replica id>:<incarnation>:<sequence>`: replies to an earlier life are ignored. */
  id: string;
  sentAt: number;
  /**
   * Until then only a majority of each configuration is asked (the acceptors that answered
   * the last probe first); at it, if that majority has not all replied, the rest are asked.
   * null once every acceptor was asked.
   */
  widenAt: number | null;
  /** slotOut when the probe went out: the configurations governing slots from here on count. */
  fromSlot: Slot;
  reads: ClientCommand[];
  /** The acceptors of each configuration probed, by epoch. */
  quorums: Map<number, readonly ProcessId[]>;
  asked: Set<ProcessId>;
  heard: Set<ProcessId>;
  /** The highest reply so far (0: none). */
  acceptedThrough: number;
}

export interface ReadIndexState {
  /** Reads that arrived since the last probe went out, oldest first. */
  queued: ClientCommand[];
  /** At most LIMITS.readProbesInFlightMax, oldest first. */
  probes: ReadProbeInFlight[];
  nextProbeSeq: number;
  /** The acceptors in the order their replies completed the last probe: asked first. */
  fastAcceptors: ProcessId[];
  /** How long the last complete probe took to reach its majorities (0: none yet). */
  lastProbeMs: number;
}

export const newReadIndexState = (): ReadIndexState => ({
  queued: [],
  probes: [],
  nextProbeSeq: 0,
  fastAcceptors: [],
  lastProbeMs: 0,
});

/**
 * A probe asks a majority first and the rest only if that majority is slow: three times the
 * last probe's time, within these bounds. An acceptor that is down costs one widened probe;
 * after it the acceptors that answered are the ones asked.
 */
const WIDEN_AFTER_MS_MIN = 20;
const WIDEN_AFTER_MS_MAX = 1_000;

export function widenAfterMs(lastProbeMs: number): number {
  return Math.min(WIDEN_AFTER_MS_MAX, Math.max(WIDEN_AFTER_MS_MIN, 3 * lastProbeMs));
}

/** The slot a read answer names: the last one applied here (at least 1, as refusals do). */
const readSlot = (state: ReplicaState): Slot => Math.max(1, state.slotOut - 1);

function readAnswer(
  state: ReplicaState,
  command: ClientCommand,
  read: 'linearizable' | 'serializable',
): Envelope {
  const envelope = answerEnvelope(state, {
    sessionId: command.sessionId,
    requestId: command.requestId,
    slot: readSlot(state),
    result: applyOp(state.kv, command.op),
    opDigest: opDigest(command.op),
  });
  if (envelope.message.type === 'response') envelope.message.read = read;
  return envelope;
}

/**
 * A read from the HTTP shell. `serializable` runs at once on this replica's state (it may miss
 * writes other replicas have applied); the rest wait for a probe.
 */
export function admitRead(
  state: ReplicaState,
  command: ClientCommand,
  out: StepCollector<ReplicaState>,
): void {
  if (command.consistency === 'serializable') {
    state.counters.readsServedSerializable += 1;
    out.send.push(readAnswer(state, command, 'serializable'));
    return;
  }
  state.reads.queued.push(command);
}

/** Entries governing at least one slot at or above `slot`, in the schedule as known now. */
function entriesFrom(schedule: readonly ConfigEntry[], slot: Slot): ConfigEntry[] {
  return schedule.filter((entry, i) => {
    const next = schedule[i + 1];
    return next === undefined || next.startSlot > slot;
  });
}

const majorityOf = (n: number): number => Math.floor(n / 2) + 1;

/** The acceptors of `acceptors` that answered the last probe first, then the others in order. */
function fastestFirst(state: ReplicaState, acceptors: readonly ProcessId[]): ProcessId[] {
  const rank = (a: ProcessId): number => {
    const i = state.reads.fastAcceptors.indexOf(a);
    return i < 0 ? state.reads.fastAcceptors.length : i;
  };
  return [...acceptors].sort((a, b) => rank(a) - rank(b));
}

/**
 * Asks the acceptors of every configuration from `probe.fromSlot` on: a majority of each (the
 * fastest) while the probe is narrow, all of them once it is widened; never one twice.
 */
function askAcceptors(
  state: ReplicaState,
  probe: ReadProbeInFlight,
  out: StepCollector<ReplicaState>,
): void {
  for (const entry of entriesFrom(state.configs, probe.fromSlot)) {
    const { epoch, acceptors } = entry.config;
    if (!probe.quorums.has(epoch)) probe.quorums.set(epoch, acceptors);
    const ordered = fastestFirst(state, acceptors);
    const asked = probe.widenAt === null ? ordered : ordered.slice(0, majorityOf(acceptors.length));
    for (const to of asked) {
      if (probe.asked.has(to)) continue;
      probe.asked.add(to);
      out.send.push({
        to,
        message: { type: 'read-probe', from: state.config.id, probeId: probe.id },
      });
    }
  }
}

/** A narrow probe whose majority is late asks every acceptor it has not asked yet. */
function widenLateProbes(state: ReplicaState, out: StepCollector<ReplicaState>, now: number): void {
  for (const probe of state.reads.probes) {
    if (probe.widenAt === null || now < probe.widenAt || hasQuorums(probe)) continue;
    probe.widenAt = null;
    state.counters.readProbesWidened += 1;
    askAcceptors(state, probe, out);
  }
}

/** When a narrow probe is due to be widened (the role's next deadline), or null. */
export function nextWidening(state: ReplicaState): number | null {
  let next: number | null = null;
  for (const probe of state.reads.probes) {
    if (probe.widenAt === null || hasQuorums(probe)) continue;
    if (next === null || probe.widenAt < next) next = probe.widenAt;
  }
  return next;
}

/** Starts probes for queued reads while fewer than the bound are in flight. */
export function startReadProbes(
  state: ReplicaState,
  out: StepCollector<ReplicaState>,
  now: number,
): void {
  const { reads } = state;
  while (reads.queued.length > 0 && reads.probes.length < LIMITS.readProbesInFlightMax) {
    const probe: ReadProbeInFlight = {
      id: `${state.config.id}:${state.incarnation}:${reads.nextProbeSeq}`,
      sentAt: now,
      widenAt: now + widenAfterMs(reads.lastProbeMs),
      fromSlot: state.slotOut,
      reads: reads.queued.splice(0, LIMITS.readsPerProbeMax),
      quorums: new Map(),
      asked: new Set(),
      heard: new Set(),
      acceptedThrough: 0,
    };
    reads.nextProbeSeq += 1;
    reads.probes.push(probe);
    state.counters.readProbesSent += 1;
    askAcceptors(state, probe, out);
  }
}

/** A majority of every configuration probed has replied. */
export function hasQuorums(probe: ReadProbeInFlight): boolean {
  for (const acceptors of probe.quorums.values()) {
    const heard = acceptors.filter((a) => probe.heard.has(a)).length;
    if (heard < majorityOf(acceptors.length)) return false;
  }
  return true;
}

/** An acceptor's reply: counted once per probe, whatever the queue delivers twice. */
export function onReadProbeReply(
  state: ReplicaState,
  message: ReadProbeReply,
  out: StepCollector<ReplicaState>,
  now: number,
): void {
  const probe = state.reads.probes.find((p) => p.id === message.probeId);
  if (probe === undefined || !probe.asked.has(message.from)) {
    // Answered already, from an earlier life, or unasked: nothing waits for it.
    state.counters.staleIgnored += 1;
    out.notes.push(`read-probe-reply ${message.probeId} from ${message.from} ignored`);
    return;
  }
  const complete = hasQuorums(probe);
  probe.heard.add(message.from);
  probe.acceptedThrough = Math.max(probe.acceptedThrough, message.acceptedThrough);
  if (!complete && hasQuorums(probe)) noteFastAcceptors(state, probe, now);
}

/** The reply that completed a probe: its repliers, in order, are asked first next time. */
function noteFastAcceptors(state: ReplicaState, probe: ReadProbeInFlight, now: number): void {
  const heard = [...probe.heard];
  // Bounded: members of the configurations a replica can know at once.
  state.reads.fastAcceptors = [
    ...heard,
    ...state.reads.fastAcceptors.filter((a) => !probe.heard.has(a)),
  ].slice(0, LIMITS.configMembersMax * LIMITS.configEntriesMax);
  state.reads.lastProbeMs = Math.max(0, now - probe.sentAt);
}

/**
 * Answers the reads of every probe that is complete: a majority of each configuration replied,
 * every slot through the highest reply is applied, and no configuration governing a slot from
 * the probe's start was learned since it went out (else it is asked first). Then starts the
 * next probes. Run after every step: any step may apply slots or learn a configuration.
 */
export function serveReads(
  state: ReplicaState,
  out: StepCollector<ReplicaState>,
  now: number,
): void {
  const { reads } = state;
  if (reads.probes.length === 0 && reads.queued.length === 0) return;
  widenLateProbes(state, out, now);
  reads.probes = reads.probes.filter((probe) => {
    if (!hasQuorums(probe) || state.slotOut <= probe.acceptedThrough) return true;
    const askedBefore = probe.asked.size;
    askAcceptors(state, probe, out);
    if (probe.asked.size > askedBefore || !hasQuorums(probe)) return true;
    for (const command of probe.reads) out.send.push(readAnswer(state, command, 'linearizable'));
    state.counters.readsServed += probe.reads.length;
    return false;
  });
  startReadProbes(state, out, now);
}

/**
 * The highest slot a complete probe waits to apply, or 0. The retry tick fills it like a gap: a
 * slot accepted by one acceptor alone may never be proposed again unless someone proposes there.
 */
export function slotReadsAwait(state: ReplicaState): number {
  let highest = 0;
  for (const probe of state.reads.probes) {
    if (hasQuorums(probe)) highest = Math.max(highest, probe.acceptedThrough);
  }
  return highest;
}

/**
 * Probes without a majority after `retryMs` (acceptors down, or of a version that does not know
 * probes: docs/upgrades.md): their reads take a slot instead, like a write. Returns them.
 */
export function takeUnansweredReads(state: ReplicaState, now: number): ClientCommand[] {
  const late: ClientCommand[] = [];
  state.reads.probes = state.reads.probes.filter((probe) => {
    if (hasQuorums(probe) || now - probe.sentAt < state.config.retryMs) return true;
    late.push(...probe.reads);
    return false;
  });
  state.counters.readsThroughLog += late.length;
  return late;
}

/** Wraps a step's result: reads the step made ready are answered in the same step. */
export function withReadsServed(
  result: StepResult<ReplicaState>,
  now: number,
): StepResult<ReplicaState> {
  const { reads } = result.state;
  if (reads.probes.length === 0 && reads.queued.length === 0) return result;
  const out = new StepCollector(result.state).add(result);
  serveReads(out.state, out, now);
  return out.result();
}
