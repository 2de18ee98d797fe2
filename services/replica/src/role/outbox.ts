import {
  clientDestination,
  opDigest,
  type Batch,
  type Command,
  type Envelope,
  type OpResult,
  type Refusal,
  type Slot,
} from '@paxos/shared';
import { configOfSlot, leadersToReport, proposalEntry, reportedSchedule } from './membership';
import type { CachedAnswer, ReplicaState } from './state';

/** Messages a replica sends, built in one place. */

/**
 * An answer goes to the client namespace (`client:<sessionId>`), never to a member id: the
 * shell hands it to the HTTP client waiting in this process, whatever the member list is.
 */
export function answerEnvelope(
  state: ReplicaState,
  answer: Omit<CachedAnswer, 'valueJsonBytes'>,
): Envelope {
  return {
    to: clientDestination(answer.sessionId),
    message: {
      type: 'response',
      from: state.config.id,
      sessionId: answer.sessionId,
      requestId: answer.requestId,
      slot: answer.slot,
      result: answer.result,
      opDigest: answer.opDigest,
    },
  };
}

/**
 * A command that did not run and is not remembered (its session is unknown, or its answer is
 * gone). `slot` is where it was refused: its decided slot, or the last applied one when it is
 * refused on arrival.
 */
export function refusalEnvelope(
  state: ReplicaState,
  command: Command,
  refused: Refusal,
  slot: Slot,
): Envelope {
  const result: OpResult = { ok: false, value: null, refused };
  return answerEnvelope(state, {
    sessionId: command.sessionId,
    requestId: command.requestId,
    slot: Math.max(1, slot),
    result,
    opDigest: opDigest(command.op),
  });
}

/** To the leaders of the configuration governing `slot`, naming it unless it is the initial one. */
export function proposeToLeaders(state: ReplicaState, slot: Slot, value: Batch): Envelope[] {
  const configEntry = proposalEntry(state, slot);
  const leaders = configOfSlot(state, slot).leaders;
  return leaders.map((to) => ({
    to,
    message: configEntry
      ? { type: 'propose', from: state.config.id, slot, value, configEntry }
      : { type: 'propose', from: state.config.id, slot, value },
  }));
}

/** To the leaders of every configuration from the one in force on, with the schedule. */
export function progressToLeaders(state: ReplicaState, wantsDecisions: boolean): Envelope[] {
  const configs = reportedSchedule(state);
  const progress = {
    type: 'progress' as const,
    from: state.config.id,
    slotOut: state.slotOut,
    wantsDecisions,
  };
  return leadersToReport(state).map((to) => ({
    to,
    message: configs ? { ...progress, configs } : progress,
  }));
}
