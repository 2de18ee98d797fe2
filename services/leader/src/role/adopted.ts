import { ballotEquals, ballotToString, batchEquals, type StepCollector } from '@paxos/shared';
import { startCommander } from './commander';
import { sendHeartbeats } from './heartbeat';
import type { LeaderState, Scout } from './state';

/**
 * A majority promised the scout's ballot. For every slot, pmax (the value of the highest-ballot
 * pvalue any of them accepted) replaces our proposal: it may already be chosen (C2). Then one
 * commander per undecided proposal, and the other leaders hear that we lead.
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
  for (const pvalue of scout.pvalues.values()) {
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
  out.notes.push(
    `adopted ${ballotToString(state.ballot)}: active, ${undecided.length} commander(s) started`,
  );
}
