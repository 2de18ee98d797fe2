import { ballotEquals, ballotToString, batchEquals, type StepCollector } from '@paxos/shared';
import { sendCollect } from './collect';
import { startCommander } from './commander';
import { sendHeartbeats } from './heartbeat';
import type { LeaderState, Scout } from './state';

/**
 * A majority promised the scout's ballot. For every slot, pmax (the value of the highest-ballot
 * pvalue any of them accepted) replaces our proposal: it may already be chosen (C2). Then one
 * commander per undecided proposal, and the other leaders hear that we lead.
 *
 * Never below the horizon (collectedBelow, raised by the p1bs that reported one): there the
 * acceptors that collected no longer report what they accepted, so pmax of the others could
 * miss the chosen value. Those slots are decided and applied everywhere: nothing to do.
 */
export function adopted(
  state: LeaderState,
  scout: Scout,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  if (!ballotEquals(scout.ballot, state.ballot) || state.active) {
    throw new Error(
      `adopted ${ballotToString(scout.ballot)} while at ${ballotToString(state.ballot)}`,
    );
  }
  let belowHorizon = 0;
  for (const pvalue of scout.pvalues.values()) {
    if (pvalue.slot < state.collectedBelow) {
      belowHorizon += 1;
      continue;
    }
    const decided = state.decided.get(pvalue.slot);
    if (decided && !batchEquals(decided, pvalue.value)) {
      throw new Error(
        `invariant C2 broken: slot ${pvalue.slot} decided ${decided.batchId} but pmax at ` +
          `${ballotToString(pvalue.ballot)} is ${pvalue.value.batchId}`,
      );
    }
    state.proposals.set(pvalue.slot, pvalue.value);
  }
  state.scout = null;
  state.scoutDueAt = null;
  state.active = true;
  state.backoffMs = 0;
  state.watch = { leaderId: state.config.id, ballot: state.ballot, lastHeardAt: now };
  state.counters.adoptions += 1;
  const undecided = [...state.proposals].filter(([slot]) => !state.decided.has(slot));
  undecided.sort(([a], [b]) => a - b);
  for (const [slot, value] of undecided) startCommander(state, slot, value, now, out);
  sendHeartbeats(state, now, out);
  // The previous leader's collect may have been lost, or some acceptors collected less than
  // others: the new leader repeats the horizon it knows once.
  if (state.collectedBelow > 1) sendCollect(state, out);
  out.events.push(`active with ballot ${ballotToString(state.ballot)}`);
  out.notes.push(
    `adopted ${ballotToString(state.ballot)}: active, ${undecided.length} commander(s) started` +
      (belowHorizon > 0
        ? `, ${belowHorizon} pvalue(s) below horizon ${state.collectedBelow} skipped`
        : ''),
  );
}
