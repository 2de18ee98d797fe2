import {
  ConfigScheduleSchema,
  StepCollector,
  commandKey,
  entryAt,
  jsonBytes,
  latestEntry,
  type ConfigEntry,
  type Behind,
  type ProcessId,
  type SnapshotChunk,
  type SnapshotPart,
  type SnapshotRequest,
  type Slot,
  type StepResult,
} from '@paxos/shared';
import { kvBytesOf } from './kv-quota';
import { advanceSchedule, isOutsideConfiguration } from './membership';
import { performDecided, releaseAwaiting } from './perform';
import { reportProgress } from './progress-report';
import { proposePending } from './propose';
import { restoreAnswer, valueJsonBytesOf } from './response-cache';
import { refreshRetryTimer } from './retry-timer';
import { snapshotParts, snapshotWrites } from './snapshot';
import { sortSessions } from './sessions';
import { appliedEnvelope, resetHistory } from './watch-history';
import type { IncomingSnapshot, PendingCommand, ReplicaState } from './state';

/**
 * State transfer (PMMC's note on garbage collection): leaders collect below the slot a majority
 * of replicas have applied, so a replica left below that horizon, and a new replica joining
 * through a reconfiguration, cannot learn the slots it misses from decisions or pvalues. It
 * asks another replica for a snapshot of its applied state instead: one replica at a time, the
 * next after retryMs of silence. The snapshot travels through the queue in chunks, each at most
 * LIMITS.snapshotPartJsonBytesMax (its head, then its data parts), and is installed once every
 * chunk of it arrived; then the replica goes on from the decisions after it. The installed
 * snapshot is written in the installing step (not later), so a crash never leaves a replica
 * that reported a slotOut it cannot recover.
 */

/** What a snapshot is made of, from durable rows or from chunks. */
export interface SnapshotContent {
  slotOut: Slot;
  parts: readonly SnapshotPart[];
  configs: ConfigEntry[];
  formerMembers: ProcessId[];
}

/**
 * Replaces the applied state with a snapshot's: the store, the session table and its cached
 * answers (in performance order, oldest first), the configurations and former members. Returns
 * what is wrong with it, or null.
 */
export function loadSnapshot(state: ReplicaState, content: SnapshotContent): string | null {
  const schedule = ConfigScheduleSchema.safeParse(content.configs);
  if (!schedule.success) return 'configs: not a configuration schedule';
  try {
    entryAt(content.configs, content.slotOut);
  } catch {
    return `configs: none governs slot ${content.slotOut}`;
  }
  state.kv = new Map();
  state.sessions = new Map();
  state.responses = new Map();
  state.responseValueBytes = 0;
  const answers = [];
  for (const part of content.parts) {
    for (const [k, v] of part.kv) state.kv.set(k, v);
    for (const s of part.sessions) state.sessions.set(s.id, { ...s, answers: new Map() });
    answers.push(...part.answers);
  }
  state.slotOut = content.slotOut;
  state.snapshotSlotOut = content.slotOut;
  state.kvBytes = kvBytesOf(state.kv);
  state.configs = content.configs;
  state.formerMembers = content.formerMembers;
  sortSessions(state);
  for (const row of answers) {
    const session = state.sessions.get(row.sessionId);
    if (!session) {
      return `answers: answer ${row.sessionId}:${row.requestId} of a session it does not hold`;
    }
    restoreAnswer(state, session, { ...row, valueJsonBytes: valueJsonBytesOf(row.result) });
  }
  return null;
}

/**
 * This replica is in no configuration it knows and never left one: it joins through a
 * configuration it has not seen yet (it starts empty, or its snapshot predates the
 * reconfiguration that adds it). No leader sends decisions to a replica outside every
 * configuration it knows and nothing tells it it is behind, so only a snapshot of a replica that
 * applied that reconfiguration shows it the configuration it joins: it asks until it has one.
 */
export function joinsUnseenConfiguration(state: ReplicaState): boolean {
  return isOutsideConfiguration(state) && !state.formerMembers.includes(state.config.id);
}

/** From now on this replica wants a snapshot; the retry tick asks (at once if none asked yet). */
export function wantSnapshot(state: ReplicaState): void {
  state.transfer.wanted = true;
}

/** The replicas to ask, in turn: the newest configuration's others, then whom we join from. */
function snapshotSources(state: ReplicaState): ProcessId[] {
  const sources = new Set<ProcessId>(latestEntry(state.configs).config.replicas);
  for (const id of state.config.joinFrom ?? state.config.cluster.replicas) sources.add(id);
  sources.delete(state.config.id);
  return [...sources];
}

/** Asks the next source if the last ask went unanswered for retryMs (or none was made). */
export function askForSnapshotIfDue(
  state: ReplicaState,
  now: number,
  out: StepCollector<ReplicaState>,
): void {
  const { transfer } = state;
  if (!transfer.wanted) return;
  if (transfer.askedAt !== null && now < transfer.askedAt + state.config.retryMs) return;
  // A snapshot is arriving: asking another replica now would start a newer one, whose chunks
  // replace these, and under load no snapshot would ever arrive whole.
  if (transfer.incoming && now < transfer.incoming.lastChunkAt + state.config.retryMs) return;
  const sources = snapshotSources(state);
  if (sources.length === 0) return;
  const to = sources[transfer.asks % sources.length]!;
  out.send.push({
    to,
    message: { type: 'snapshot-request', from: state.config.id, slotOut: state.slotOut },
  });
  transfer.askedAt = now;
  transfer.asks += 1;
  state.counters.snapshotsRequested += 1;
  out.notes.push(`asked ${to} for a snapshot above slot ${state.slotOut}`);
}

/** A leader says our missing slots are collected: only a snapshot can bring us up. */
export function onBehind(
  state: ReplicaState,
  message: Behind,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  if (message.collectedBelow <= state.slotOut) {
    state.counters.staleIgnored += 1;
    out.notes.push(`behind from ${message.from} below ${message.collectedBelow}: caught up since`);
    return out.result();
  }
  if (!state.transfer.wanted) {
    wantSnapshot(state);
    askForSnapshotIfDue(state, now, out);
  }
  refreshRetryTimer(state, now, false);
  return out.result();
}

/**
 * Another replica wants our state. We send it when we are ahead of it, at most once per
 * requester per retryMs (a requester asks again after retryMs of silence, so the chunks of the
 * last answer are still on their way before that).
 */
export function onSnapshotRequest(
  state: ReplicaState,
  message: SnapshotRequest,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  const { sentAt } = state.transfer;
  if (message.from === state.config.id || message.slotOut >= state.slotOut) {
    state.counters.staleIgnored += 1;
    out.notes.push(
      `snapshot request from ${message.from} above ${message.slotOut}: nothing newer here`,
    );
    return out.result();
  }
  for (const [id, at] of sentAt) if (now - at >= state.config.retryMs) sentAt.delete(id);
  if (sentAt.has(message.from)) {
    state.counters.duplicatesIgnored += 1;
    out.notes.push(`snapshot request from ${message.from}: one was sent moments ago`);
    return out.result();
  }
  sentAt.set(message.from, now);
  const parts = snapshotParts(state);
  const chunk = { type: 'snapshot-chunk' as const, from: state.config.id, slotOut: state.slotOut };
  out.send.push({
    to: message.from,
    message: {
      ...chunk,
      parts: parts.length,
      head: { configs: state.configs, formerMembers: state.formerMembers },
    },
  });
  for (const data of parts) {
    out.send.push({ to: message.from, message: { ...chunk, parts: parts.length, data } });
  }
  state.counters.snapshotsSent += 1;
  out.notes.push(
    `sent ${message.from} a snapshot at slot ${state.slotOut} in ${parts.length + 1} chunks`,
  );
  return out.result();
}

/**
 * One chunk of a snapshot for us. Only a snapshot above our slotOut is of use; chunks of one
 * snapshot from one sender are gathered (a newer snapshot replaces an older one being
 * gathered), and the snapshot is installed once its head and every data part are here.
 */
export function onSnapshotChunk(
  state: ReplicaState,
  message: SnapshotChunk,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  if (message.slotOut <= state.slotOut) {
    state.counters.staleIgnored += 1;
    out.notes.push(`snapshot chunk at slot ${message.slotOut} from ${message.from}: not newer`);
    return out.result();
  }
  let incoming = state.transfer.incoming;
  const same =
    incoming !== null &&
    incoming.from === message.from &&
    incoming.slotOut === message.slotOut &&
    incoming.parts === message.parts;
  if (!same) {
    if (incoming !== null && incoming.slotOut >= message.slotOut) {
      state.counters.staleIgnored += 1;
      out.notes.push(`snapshot chunk from ${message.from}: gathering a newer one`);
      return out.result();
    }
    incoming = {
      from: message.from,
      slotOut: message.slotOut,
      parts: message.parts,
      head: null,
      data: new Map(),
      lastChunkAt: now,
    };
    state.transfer.incoming = incoming;
  }
  incoming!.lastChunkAt = now;
  if (message.head) incoming!.head = message.head;
  if (message.data) {
    if (message.data.slotOut !== message.slotOut || message.data.part >= message.parts) {
      state.counters.unexpectedIgnored += 1;
      out.notes.push(`snapshot chunk from ${message.from}: part does not belong to it`);
      return out.result();
    }
    incoming!.data.set(message.data.part, message.data);
  }
  if (incoming!.head !== null && incoming!.data.size === incoming!.parts) {
    installSnapshot(state, incoming!, now, out);
  }
  return out.result();
}

function installSnapshot(
  state: ReplicaState,
  incoming: IncomingSnapshot,
  now: number,
  out: StepCollector<ReplicaState>,
): void {
  const parts = [...incoming.data.values()].sort((a, b) => a.part - b.part);
  const head = incoming.head!;
  const slotOutBefore = state.slotOut;
  const problem = loadSnapshot(state, {
    slotOut: incoming.slotOut,
    parts,
    configs: head.configs,
    formerMembers: head.formerMembers,
  });
  state.transfer.incoming = null;
  if (problem !== null) {
    // Our own state was partly replaced: only what is durable is certain. Stop, and let the
    // service restart from it (it will ask again).
    throw new Error(`snapshot from ${incoming.from} at slot ${incoming.slotOut}: ${problem}`);
  }
  forgetBelow(state, state.slotOut);
  // The slots below the snapshot were applied elsewhere: their changes are not known here, and
  // the watch feed reports them compacted (the head written below records it).
  resetHistory(state, state.slotOut);
  state.slotIn = Math.max(state.slotIn, state.slotOut);
  state.highestDecidedSlot = Math.max(state.highestDecidedSlot, state.slotOut - 1);
  // Joining through a configuration this snapshot does not show yet (its source had not applied
  // the reconfiguration): keep asking.
  state.transfer.wanted = joinsUnseenConfiguration(state);
  state.transfer.askedAt = null;
  state.transfer.asks = 0;
  state.counters.snapshotsInstalled += 1;
  // Durable in this step: the progress report below must never claim more than we can recover.
  out.persist.push(...snapshotWrites(state));
  out.events.push(
    `installed a snapshot from ${incoming.from}: slot ${slotOutBefore} -> ${state.slotOut}`,
  );
  // Commands of sessions registered below the installed slot may go now (or are refused).
  releaseAwaiting(state, out);
  performDecided(state, out);
  advanceSchedule(state, out);
  out.send.push(appliedEnvelope(state));
  reportProgress(state, out, true);
  proposePending(state, out, now);
  refreshRetryTimer(state, now, true);
}

/**
 * Decisions, tallies and our own proposals below the installed slot are moot. A proposal's
 * commands that did not run (no answer cached, above the session's floor) are pending again.
 */
function forgetBelow(state: ReplicaState, slotOut: Slot): void {
  for (const slot of state.decisions.keys()) if (slot < slotOut) state.decisions.delete(slot);
  for (const slot of state.acceptances.keys()) if (slot < slotOut) state.acceptances.delete(slot);
  const requeued = new Map<string, PendingCommand>();
  for (const [slot, batch] of state.proposals) {
    if (slot >= slotOut) continue;
    state.proposals.delete(slot);
    for (const command of batch.commands) {
      const key = commandKey(command);
      if (state.proposedSlotOf.get(key) === slot) state.proposedSlotOf.delete(key);
      if (command.sessionId === 0 || state.responses.has(key)) continue;
      const session = state.sessions.get(command.sessionId);
      if (session && command.requestId > session.floor) {
        requeued.set(key, { command, jsonBytes: jsonBytes(command) });
      }
    }
  }
  if (requeued.size > 0) state.requests = new Map([...requeued, ...state.requests]);
}
