import { StepCollector, noopBatch, type StepResult } from '@paxos/shared';
import { proposeToLeaders } from './outbox';
import { reportProgress } from './progress-report';
import { nextBatchId, proposePending, sendProposal } from './propose';
import { hasUnreportedProgress, isBlockedByGap, refreshRetryTimer } from './retry-timer';
import { slotReadsAwait, takeUnansweredReads } from './reads';
import { admitToLog } from './on-request';
import { isJoining, isReplicaAt, pendingEntry } from './membership';
import type { ReplicaState } from './state';
import { askForSnapshotIfDue, wantSnapshot } from './state-transfer';

/** A proposal or decision may have been lost: ask the leaders again. */
function resendUndecidedProposals(state: ReplicaState, out: StepCollector<ReplicaState>): void {
  for (const [slot, batch] of state.proposals) {
    if (state.decisions.has(slot)) continue;
    out.send.push(...proposeToLeaders(state, slot, batch));
    state.counters.reproposals += 1;
  }
}

/**
 * slotOut is missing while later slots are decided: its proposer may have crashed, or its
 * decision was lost. A no-op proposal gets it decided either way (a leader that already knows
 * the decision re-sends it), and `progress` asks leaders for every decision we are missing.
 */
function fillBlockingGap(state: ReplicaState, out: StepCollector<ReplicaState>): void {
  // Reads wait for slotOut too: it may have been accepted by one acceptor alone, and its
  // proposer be gone, with nothing decided above it to make it a gap.
  if (!isBlockedByGap(state) && slotReadsAwait(state) < state.slotOut) return;
  reportProgress(state, out, true);
  if (!isReplicaAt(state, state.slotOut)) {
    // Not ours to propose into (we join later, or left): another replica's snapshot brings us
    // past it if no leader still holds the decisions.
    wantSnapshot(state);
    return;
  }
  if (state.proposals.has(state.slotOut)) return;
  sendProposal(state, out, state.slotOut, noopBatch(nextBatchId(state)));
  state.slotIn = Math.max(state.slotIn, state.slotOut + 1);
  state.counters.noopsProposed += 1;
  out.notes.push(`slot ${state.slotOut} blocks applied decisions: proposed a no-op`);
}

export function tickReplica(state: ReplicaState, now: number): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  if (state.retryDueAt === null || now < state.retryDueAt) return out.result();
  resendUndecidedProposals(state, out);
  fillBlockingGap(state, out);
  const unanswered = takeUnansweredReads(state, now);
  for (const read of unanswered) admitToLog(state, read, out);
  if (unanswered.length > 0) {
    out.notes.push(
      `${unanswered.length} read(s) got no majority of probe replies: through the log`,
    );
    proposePending(state, out, now);
  }
  // Joining and nothing arrived since the last retry (an idle log whose previous configuration
  // is retired): the slots before ours come only from a snapshot.
  const stalled = state.slotOut === state.transfer.slotOutAtLastRetry;
  state.transfer.slotOutAtLastRetry = state.slotOut;
  if (stalled && isJoining(state)) wantSnapshot(state);
  askForSnapshotIfDue(state, now, out);
  // A pending configuration needs the log to reach its start (pitfall 7), also after a restart
  // that lost the proposals pushing it there.
  if (pendingEntry(state) !== null) proposePending(state, out, now);
  if (hasUnreportedProgress(state)) reportProgress(state, out, false);
  refreshRetryTimer(state, now, true);
  return out.result();
}
