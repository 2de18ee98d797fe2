import { isJoining, pendingEntry } from './membership';
import type { ReplicaState } from './state';

export function hasUndecidedProposal(state: ReplicaState): boolean {
  for (const slot of state.proposals.keys()) {
    if (!state.decisions.has(slot)) return true;
  }
  return false;
}

/** A decision above slotOut means slotOut itself is missing: the log is blocked. */
export const isBlockedByGap = (state: ReplicaState): boolean =>
  state.highestDecidedSlot > state.slotOut;

/** Applied slots the leaders have not heard of yet: the retry tick reports them. */
export const hasUnreportedProgress = (state: ReplicaState): boolean =>
  state.slotOut > state.slotOutReported;

/**
 * Keeps the retry timer armed exactly while something is outstanding; an idle replica has no
 * deadline. `progressed` (slotOut moved) restarts the wait: retries are for a log that stands
 * still, however many decisions above its gap arrive meanwhile.
 * Unreported progress keeps it armed too, so the last slots before a quiet period are reported
 * once, and then nothing is sent until something changes.
 */
export function refreshRetryTimer(state: ReplicaState, now: number, progressed: boolean): void {
  if (
    !hasUndecidedProposal(state) &&
    !isBlockedByGap(state) &&
    !hasUnreportedProgress(state) &&
    !state.transfer.wanted &&
    !isJoining(state) &&
    pendingEntry(state) === null &&
    state.reads.probes.length === 0
  ) {
    state.retryDueAt = null;
  } else if (progressed || state.retryDueAt === null) {
    state.retryDueAt = now + state.config.retryMs;
  }
}
