import {
  StepCollector,
  ballotEquals,
  ballotGreater,
  ballotToString,
  batchEquals,
  epochOf,
  type Ballot,
  type Envelope,
  type P2a,
  type StepResult,
} from '@paxos/shared';
import { acceptedKey } from './durable-keys';
import { promiseOf, type AcceptorState } from './state';

/**
 * Phase 2a. The pvalue is accepted only if its ballot equals the promise (PMMC's A2): a lower
 * ballot is from a preempted leader, and a higher one was never promised here (accepting it
 * would skip the phase 1 that guards earlier choices). Either way the reply carries the current
 * ballot so the commander learns where it stands. The acceptance is persisted in the same step
 * as the p2b that announces it.
 */
export function onP2a(state: AcceptorState, message: P2a): StepResult<AcceptorState> {
  const out = new StepCollector(state);
  const { pvalue } = message;
  const epoch = epochOf(pvalue.ballot);
  const promise = promiseOf(state, epoch);
  if (pvalue.slot < state.collectedBelow) {
    // A leader that has not heard of the horizon yet (restarted, or adopted by acceptors that
    // collected less). The slot is decided and applied everywhere; accepting it would only
    // bring back state we dropped. The reply is no acceptance: it carries the horizon instead.
    state.counters.collectedSlotsRefused += 1;
    out.notes.push(
      `p2a slot ${pvalue.slot} from ${message.from} is below collectedBelow ` +
        `${state.collectedBelow}: refused, horizon reported`,
    );
    out.send.push(horizonReply(state, message, promise));
    return out.result();
  }
  if (epoch < state.epochsBelow) {
    // A configuration every slot of which is collected: nothing of it can be decided any more.
    state.counters.retiredEpochIgnored += 1;
    out.notes.push(`p2a ${ballotToString(pvalue.ballot)}: epoch ${epoch} is retired here`);
    out.send.push(horizonReply(state, message, promise));
    return out.result();
  }
  if (!ballotEquals(pvalue.ballot, promise)) {
    state.counters.acceptsRefused += 1;
    out.notes.push(
      `p2a ${ballotToString(pvalue.ballot)} slot ${pvalue.slot} from ${message.from} ` +
        `does not match promise ${ballotToString(promise)}: refused`,
    );
  } else {
    const previous = state.accepted.get(pvalue.slot);
    if (previous && epochOf(previous.ballot) !== epoch) {
      // Every slot belongs to exactly one configuration (configuration.ts): two epochs running
      // one slot would be two Paxos instances choosing it independently.
      throw new Error(
        `slot ${pvalue.slot} accepted in epoch ${epochOf(previous.ballot)} and offered in ` +
          `epoch ${epoch} by ${message.from}`,
      );
    }
    if (previous && ballotGreater(previous.ballot, pvalue.ballot)) {
      // Accepted ballots never exceed the promise, and the promise only grows (A1, A2).
      throw new Error(
        `slot ${pvalue.slot} accepted at ${ballotToString(previous.ballot)} above promise ` +
          `${ballotToString(promise)}`,
      );
    }
    if (previous && ballotEquals(previous.ballot, pvalue.ballot)) {
      // One commander per (ballot, slot) proposes one value (C1); two values would break A4.
      if (!batchEquals(previous.value, pvalue.value)) {
        throw new Error(
          `invariant A4 broken: ballot ${ballotToString(pvalue.ballot)} slot ${pvalue.slot} ` +
            `carries ${previous.value.batchId} and ${pvalue.value.batchId}`,
        );
      }
      state.counters.duplicatesIgnored += 1;
      out.notes.push(`duplicate p2a slot ${pvalue.slot} from ${message.from}: re-acknowledged`);
    } else {
      state.accepted.set(pvalue.slot, pvalue);
      out.persist.push({
        op: 'put',
        key: acceptedKey(pvalue.slot),
        slot: pvalue.slot,
        value: pvalue,
      });
      state.counters.accepts += 1;
    }
  }
  out.send.push({
    to: message.from,
    message: { type: 'p2b', from: state.config.id, ballot: promise, slot: pvalue.slot },
  });
  if (ballotEquals(pvalue.ballot, promise)) tellLearners(state, message, out);
  return out.result();
}

/**
 * The acceptance (new, or a duplicate p2a re-acknowledged) goes to every learner too. It is
 * sent in the step that persists it, so a learner never hears of an acceptance that a crash
 * could still undo.
 */
function tellLearners(state: AcceptorState, message: P2a, out: StepCollector<AcceptorState>): void {
  const { pvalue } = message;
  // The p2a names the replicas of its configuration; an older leader's does not.
  for (const learner of message.learners ?? state.config.learners ?? []) {
    out.send.push({ to: learner, message: { type: 'accepted', from: state.config.id, pvalue } });
  }
}

/** No acceptance: the reply carries the horizon (collected, or the epoch is retired here). */
function horizonReply(state: AcceptorState, message: P2a, promise: Ballot): Envelope {
  return {
    to: message.from,
    message: {
      type: 'p2b',
      from: state.config.id,
      ballot: promise,
      slot: message.pvalue.slot,
      collectedBelow: state.collectedBelow,
    },
  };
}
