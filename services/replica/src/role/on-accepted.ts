import {
  StepCollector,
  ballotToString,
  batchEquals,
  majorityOf,
  type Accepted,
  type StepResult,
} from '@paxos/shared';
import { learnDecision } from './on-decision';
import { configOfSlot, proposalLimitOf } from './membership';
import type { AcceptanceTally, ReplicaState } from './state';

/**
 * The replica as a learner: an acceptor accepted `pvalue`. Once a majority of distinct
 * acceptors accepted the same ballot in the same slot, that slot is chosen (with that ballot's
 * value, the only one a ballot carries in a slot), and the replica treats it as a decision.
 * Tallies are volatile: a crash loses them, and the slot is then learned from the votes still
 * unacknowledged, from a later ballot, or from a leader on asking.
 */
export function onAccepted(
  state: ReplicaState,
  message: Accepted,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  const { pvalue } = message;
  const { slot } = pvalue;
  if (slot < state.slotOut || state.decisions.has(slot)) {
    state.counters.staleIgnored += 1;
    out.notes.push(`accepted for slot ${slot} from ${message.from}: already decided here`);
    return out.result();
  }
  if (slot >= proposalLimitOf(state)) {
    // Its configuration is not known here yet: whose majority counts is not known either.
    state.counters.staleIgnored += 1;
    out.notes.push(`accepted for slot ${slot} from ${message.from}: beyond the known schedule`);
    return out.result();
  }
  const acceptors = configOfSlot(state, slot).acceptors;
  if (!acceptors.includes(message.from)) {
    state.counters.unexpectedIgnored += 1;
    out.notes.push(`accepted from ${message.from}, not an acceptor of slot ${slot}`);
    return out.result();
  }
  const tally = tallyFor(state, message);
  tally.acceptors.add(message.from);
  state.counters.acceptancesHeard += 1;
  if (tally.acceptors.size >= majorityOf(acceptors.length)) {
    state.counters.decisionsLearned += 1;
    learnDecision(state, slot, tally.value, now, out);
  }
  return out.result();
}

/** The tally of the message's (slot, ballot), created on first sight. */
function tallyFor(state: ReplicaState, message: Accepted): AcceptanceTally {
  const { slot, ballot, value } = message.pvalue;
  let atSlot = state.acceptances.get(slot);
  if (!atSlot) {
    atSlot = new Map();
    state.acceptances.set(slot, atSlot);
  }
  const key = ballotToString(ballot);
  const tally = atSlot.get(key);
  if (!tally) {
    const fresh: AcceptanceTally = { value, acceptors: new Set() };
    atSlot.set(key, fresh);
    return fresh;
  }
  if (!batchEquals(tally.value, value)) {
    // One commander per (ballot, slot) proposes one value (C1), and acceptors keep it (A4).
    throw new Error(
      `invariant A4 broken: ballot ${key} slot ${slot} accepted as ${tally.value.batchId} ` +
        `and as ${value.batchId} (${message.from})`,
    );
  }
  return tally;
}
