import {
  LIMITS,
  StepCollector,
  commandKey,
  isFleetCommand,
  isReadOp,
  jsonBytes,
  registrationSlotOf,
  type ClientCommand,
  type Command,
  type Request,
  type StepResult,
} from '@paxos/shared';
import { answerEnvelope, refusalEnvelope } from './outbox';
import { proposePending } from './propose';
import { admitRead, startReadProbes } from './reads';
import { refreshRetryTimer } from './retry-timer';
import type { ReplicaState } from './state';

type Verdict = 'queued' | 'awaiting' | 'cached' | 'refused' | 'duplicate' | 'oversized' | 'read';

/**
 * Client commands (and registrations), from this replica's HTTP shell. An answered command is
 * answered again from the cache (the client retried or lost the answer), with the digest of the
 * operation that ran, so the shell can tell a retry from a reused request number; a request
 * number whose answer is gone, or a session this replica knows is gone, is refused at once;
 * one already pending or proposed here is a duplicate and is dropped; the rest wait for a slot.
 * Reads (get, list) take no slot: they wait for a read probe (reads.ts).
 */
export function onRequest(
  state: ReplicaState,
  message: Request,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  const tally: Record<Verdict, number> = {
    queued: 0,
    awaiting: 0,
    cached: 0,
    refused: 0,
    duplicate: 0,
    oversized: 0,
    read: 0,
  };
  for (const command of message.commands) {
    if (!isFleetCommand(command) && isReadOp(command.op) && state.config.readProbes !== false) {
      admitRead(state, command, out);
      tally.read += 1;
    } else {
      tally[admitToLog(state, command, out)] += 1;
    }
  }
  state.counters.answeredFromCache += tally.cached;
  state.counters.duplicatesIgnored += tally.duplicate;
  state.counters.oversizedIgnored += tally.oversized;
  state.counters.commandsReceived += tally.queued + tally.awaiting;
  if (tally.cached > 0)
    out.notes.push(`${tally.cached} command(s) from ${message.from} answered from cache`);
  if (tally.duplicate > 0)
    out.notes.push(`${tally.duplicate} command(s) from ${message.from} already pending`);
  if (tally.oversized > 0)
    out.notes.push(
      `${tally.oversized} command(s) from ${message.from} over ${LIMITS.commandJsonBytesMax} JSON bytes ignored`,
    );
  proposePending(state, out, now);
  startReadProbes(state, out, now);
  refreshRetryTimer(state, now, false);
  return out.result();
}

/**
 * A command that takes a slot. Also a read whose probe got no majority in time (reads.ts): it
 * goes through the log like a write, without its `consistency`.
 */
export function admitToLog(
  state: ReplicaState,
  command: Command,
  out: StepCollector<ReplicaState>,
): Verdict {
  // A registration is never answered from the cache (response-cache.ts).
  if (!isFleetCommand(command) && command.consistency !== undefined) {
    command = { sessionId: command.sessionId, requestId: command.requestId, op: command.op };
  }
  const early = isFleetCommand(command) ? null : answerAtOnce(state, command, out);
  if (early) return early;
  const key = commandKey(command);
  if (isPending(state, key)) return 'duplicate';
  // The shell refuses larger commands (413); one that gets here anyway would make a batch,
  // and every message carrying it, larger than LIMITS allows for.
  const jsonBytesOfCommand = jsonBytes(command);
  if (jsonBytesOfCommand > LIMITS.commandJsonBytesMax) return 'oversized';
  const pending = { command, jsonBytes: jsonBytesOfCommand };
  // Registered at a slot not applied here yet (another replica applied it first and told the
  // client): held back until it is, so that the command is decided after its registration.
  if (!isFleetCommand(command) && !state.sessions.has(command.sessionId)) {
    state.awaitingRegistration.set(key, pending);
    return 'awaiting';
  }
  state.requests.set(key, pending);
  return 'queued';
}

/** A cached answer, or a refusal this replica can already give; null: the command must wait. */
function answerAtOnce(
  state: ReplicaState,
  command: ClientCommand,
  out: StepCollector<ReplicaState>,
): Verdict | null {
  const lastApplied = state.slotOut - 1;
  const session = state.sessions.get(command.sessionId);
  if (!session) {
    if (registrationSlotOf(command.sessionId) >= state.slotOut) return null;
    state.counters.refusedSessionUnknown += 1;
    out.send.push(refusalEnvelope(state, command, 'session-unknown', lastApplied));
    return 'refused';
  }
  const cached = session.answers.get(command.requestId);
  if (cached) {
    out.send.push(answerEnvelope(state, cached));
    return 'cached';
  }
  if (command.requestId <= session.floor) {
    state.counters.refusedRequestTooOld += 1;
    out.send.push(refusalEnvelope(state, command, 'request-too-old', lastApplied));
    return 'refused';
  }
  return null;
}

function isPending(state: ReplicaState, key: string): boolean {
  return (
    state.requests.has(key) || state.awaitingRegistration.has(key) || state.proposedSlotOf.has(key)
  );
}
