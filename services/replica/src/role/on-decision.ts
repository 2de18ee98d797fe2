import {
  StepCollector,
  batchEquals,
  type Batch,
  type Decision,
  type Slot,
  type StepResult,
} from '@paxos/shared';
import { decisionKey } from './durable';
import { performDecided } from './perform';
import { reportProgressIfDue } from './progress-report';
import { proposePending } from './propose';
import { isBlockedByGap, refreshRetryTimer } from './retry-timer';
import { isReplicaAt, leadersToReport } from './membership';
import { joinsUnseenConfiguration } from './state-transfer';
import { notePartner } from './slot-sharing';
import { snapshotIfDue } from './snapshot';
import type { ReplicaState } from './state';

/** A leader announces that a slot is decided. */
export function onDecision(
  state: ReplicaState,
  message: Decision,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  const { slot, value } = message;
  if (slot < state.slotOut) {
    state.counters.staleIgnored += 1;
    out.notes.push(
      `decision for applied slot ${slot} (slotOut ${state.slotOut}) from ${message.from}`,
    );
    return out.result();
  }
  const known = state.decisions.get(slot);
  if (known) {
    if (!batchEquals(known, value)) {
      throw new Error(
        `invariant R1 broken: slot ${slot} decided as ${known.batchId} and ${value.batchId}`,
      );
    }
    state.counters.duplicatesIgnored += 1;
    out.notes.push(`duplicate decision for slot ${slot} from ${message.from}`);
    return out.result();
  }
  learnDecision(state, slot, value, now, out);
  if (isBlockedByGap(state) && !leadersToReport(state).includes(message.from)) {
    // A leader of a configuration we have not learned yet (every leader we know may be gone):
    // ask it too for what we miss; it knows where its configuration starts.
    out.send.push({
      to: message.from,
      message: {
        type: 'progress',
        from: state.config.id,
        slotOut: state.slotOut,
        wantsDecisions: true,
      },
    });
  }
  return out.result();
}

/**
 * Records a new decision (from a leader, or learned from a majority of acceptors): it is
 * persisted before anything it enables is sent (same step), then every slot that is now
 * contiguous is applied, and freed window slots get proposals.
 */
export function learnDecision(
  state: ReplicaState,
  slot: Slot,
  value: Batch,
  now: number,
  out: StepCollector<ReplicaState>,
): void {
  state.decisions.set(slot, value);
  state.acceptances.delete(slot);
  notePartner(state, value, now);
  state.highestDecidedSlot = Math.max(state.highestDecidedSlot, slot);
  out.persist.push({ op: 'put', key: decisionKey(slot), slot, value });
  state.counters.decisions += 1;
  const slotOutBefore = state.slotOut;
  performDecided(state, out);
  // Caught up from decisions after all: a snapshot asked for earlier is no longer needed.
  if (state.slotOut > slotOutBefore && state.transfer.wanted && !needsSnapshot(state)) {
    state.transfer.wanted = false;
    state.transfer.asks = 0;
    state.transfer.askedAt = null;
  }
  snapshotIfDue(state, out);
  reportProgressIfDue(state, out);
  proposePending(state, out, now);
  // Only an applied slot restarts the wait: decisions above a gap (or above the slots a joining
  // replica lacks) keep coming under load, and must not put off the retry that fills it.
  refreshRetryTimer(state, now, state.slotOut > slotOutBefore);
}

/** Still only a snapshot can help: not a replica at slotOut, or joining one not seen yet. */
function needsSnapshot(state: ReplicaState): boolean {
  return !isReplicaAt(state, state.slotOut) || joinsUnseenConfiguration(state);
}
