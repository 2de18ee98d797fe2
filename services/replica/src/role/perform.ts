import {
  batchEquals,
  commandKey,
  isReconfiguration,
  isRegistration,
  jsonBytes,
  opDigest,
  registrationSlotOf,
  sessionIdOf,
  type Batch,
  type ClientCommand,
  type RegisterCommand,
  type Slot,
  type StepCollector,
} from '@paxos/shared';
import { applyWithinQuota } from './kv-quota';
import { answerEnvelope, refusalEnvelope } from './outbox';
import { rememberAnswer, valueJsonBytesOf } from './response-cache';
import { registerSession, touchSession } from './sessions';
import { advanceSchedule } from './membership';
import { performReconfiguration } from './reconfigure';
import { proposerOf } from './slot-sharing';
import type { CachedAnswer, PendingCommand, ReplicaState } from './state';
import { appliedEnvelope, closeSlot, noteChange, trimHistory } from './watch-history';

type Out = StepCollector<ReplicaState> | null;

/**
 * A registration creates the session `sessionIdOf(slot, position)`. It is never looked up in
 * the response cache: its request number is random, chosen by one replica's HTTP shell, and
 * two shells could pick the same one. Only the replica that proposed the batch answers it,
 * since only its shell can be waiting for it, so the answer reaches the client that asked.
 */
function performRegistration(
  state: ReplicaState,
  slot: Slot,
  position: number,
  command: RegisterCommand,
  ours: boolean,
  out: Out,
): void {
  const session = registerSession(state, sessionIdOf(slot, position), slot);
  if (!ours || !out) return;
  out.send.push(
    answerEnvelope(state, {
      sessionId: 0,
      requestId: command.requestId,
      slot,
      result: { ok: true, value: null, sessionId: session.id },
      opDigest: opDigest(command.op),
    }),
  );
}

/**
 * A client command, in PMMC's perform() extended with sessions: an unknown session or a
 * request number whose answer is gone is refused (not remembered: nothing ran); a command
 * already answered was decided earlier (in another slot or batch) and is skipped, so every
 * command runs at most once; the rest run, and their answers are remembered.
 */
function performCommand(
  state: ReplicaState,
  slot: Slot,
  position: number,
  command: ClientCommand,
  out: Out,
): void {
  const session = state.sessions.get(command.sessionId);
  if (!session) {
    state.counters.refusedSessionUnknown += 1;
    out?.send.push(refusalEnvelope(state, command, 'session-unknown', slot));
    return;
  }
  if (session.answers.has(command.requestId)) {
    state.counters.duplicateCommandsSkipped += 1;
    return;
  }
  if (command.requestId <= session.floor) {
    state.counters.refusedRequestTooOld += 1;
    out?.send.push(refusalEnvelope(state, command, 'request-too-old', slot));
    return;
  }
  const result = applyWithinQuota(state, command.op);
  if (result.refused === 'kv-quota-exceeded') state.counters.refusedKvQuota += 1;
  noteChange(state, position, command.op, result);
  const answer: CachedAnswer = {
    sessionId: command.sessionId,
    requestId: command.requestId,
    slot,
    result,
    opDigest: opDigest(command.op),
    valueJsonBytes: valueJsonBytesOf(result),
  };
  touchSession(state, session, slot);
  rememberAnswer(state, session, answer);
  state.counters.commandsPerformed += 1;
  out?.send.push(answerEnvelope(state, answer));
}

/**
 * Applies one decided batch. `out` is null during recovery: those responses went out when the
 * slot was first applied.
 */
function performBatch(state: ReplicaState, slot: Slot, batch: Batch, out: Out): void {
  const ours = proposerOf(batch) === state.config.id;
  batch.commands.forEach((command, position) => {
    const key = commandKey(command);
    // Decided (through any replica's batch): no need to propose it ourselves any more.
    state.requests.delete(key);
    state.awaitingRegistration.delete(key);
    if (isRegistration(command)) performRegistration(state, slot, position, command, ours, out);
    else if (isReconfiguration(command)) performReconfiguration(state, slot, command, ours, out);
    else performCommand(state, slot, position, command, out);
  });
  // The slot's changes, as one durable row, in the step that applies it (watch-history.ts).
  closeSlot(state, slot, out ? out.persist : null);
}

/**
 * Our proposal lost its slot to another batch: its commands go back to the front of the queue,
 * except those the winning batch or an earlier slot already decided.
 */
function requeueLoser(state: ReplicaState, loser: Batch, winner: Batch): void {
  const decided = new Set(winner.commands.map(commandKey));
  const requeued = new Map<string, PendingCommand>();
  for (const command of loser.commands) {
    const key = commandKey(command);
    if (decided.has(key) || state.responses.has(key) || state.requests.has(key)) continue;
    requeued.set(key, { command, jsonBytes: jsonBytes(command) });
  }
  if (requeued.size === 0) return;
  state.counters.commandsRequeued += requeued.size;
  state.requests = new Map([...requeued, ...state.requests]);
}

function forgetProposal(state: ReplicaState, slot: Slot, proposal: Batch): void {
  state.proposals.delete(slot);
  for (const command of proposal.commands) {
    const key = commandKey(command);
    if (state.proposedSlotOf.get(key) === slot) state.proposedSlotOf.delete(key);
  }
}

/**
 * Commands whose session's registration slot is now applied may be proposed: they will be
 * decided after it. If that slot registered no such session, they are refused at once.
 */
export function releaseAwaiting(state: ReplicaState, out: Out): void {
  for (const [key, pending] of state.awaitingRegistration) {
    const { command } = pending;
    if (registrationSlotOf(command.sessionId) >= state.slotOut) continue;
    state.awaitingRegistration.delete(key);
    if (state.sessions.has(command.sessionId)) {
      state.requests.set(key, pending);
    } else {
      state.counters.refusedSessionUnknown += 1;
      out?.send.push(refusalEnvelope(state, command, 'session-unknown', state.slotOut - 1));
    }
  }
}

/** Applies decided slots in order from slotOut, stopping at the first slot not yet decided. */
export function performDecided(state: ReplicaState, out: Out): void {
  const slotOutBefore = state.slotOut;
  for (;;) {
    const slot = state.slotOut;
    const decided = state.decisions.get(slot);
    if (!decided) break;
    performBatch(state, slot, decided, out);
    const ours = state.proposals.get(slot);
    if (ours) {
      forgetProposal(state, slot, ours);
      if (!batchEquals(ours, decided)) requeueLoser(state, ours, decided);
    }
    // Applied, it is durable and no longer needed in memory: every handler ignores slots below
    // slotOut. Holding applied batches until the next snapshot would cost up to
    // snapshotEverySlots full batches (128 MB at the defaults) of a replica's memory.
    state.decisions.delete(slot);
    state.slotOut += 1;
    state.counters.slotsApplied += 1;
  }
  if (state.slotOut > slotOutBefore && state.awaitingRegistration.size > 0) {
    releaseAwaiting(state, out);
  }
  if (state.slotOut > slotOutBefore) {
    advanceSchedule(state, out);
    trimHistory(state);
    // Delivered after this step's commit: the watch feed publishes only what is durable.
    out?.send.push(appliedEnvelope(state));
  }
}
