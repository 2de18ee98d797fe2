import {
  applyOp,
  batchEquals,
  commandKey,
  type Batch,
  type Slot,
  type StepCollector,
} from '@paxos/shared';
import { responseEnvelope } from './outbox';
import { rememberResponse } from './response-cache';
import type { ReplicaState } from './state';

/**
 * Applies one decided batch. A command already in the response cache was decided earlier
 * (in another slot or another batch): PMMC skips it, so every command runs once.
 * `out` is null during recovery: those responses went out when the slot was first applied.
 */
function performBatch(
  state: ReplicaState,
  slot: Slot,
  batch: Batch,
  out: StepCollector<ReplicaState> | null,
): void {
  for (const command of batch.commands) {
    const key = commandKey(command);
    if (state.responses.has(key)) {
      state.counters.duplicateCommandsSkipped += 1;
      continue;
    }
    const result = applyOp(state.kv, command.op);
    const cached = { clientId: command.clientId, requestId: command.requestId, slot, result };
    rememberResponse(state, cached);
    // Decided through another replica's batch: no need to propose it ourselves any more.
    state.requests.delete(key);
    state.counters.commandsPerformed += 1;
    out?.send.push(responseEnvelope(state, cached));
  }
}

/**
 * Our proposal lost its slot to another batch: its commands go back to the front of the queue,
 * except those that are already answered (they were in the winning batch or an earlier one).
 */
function requeueLoser(state: ReplicaState, loser: Batch): void {
  const requeued = new Map<string, (typeof loser.commands)[number]>();
  for (const command of loser.commands) {
    const key = commandKey(command);
    if (state.responses.has(key) || state.requests.has(key)) continue;
    requeued.set(key, command);
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

/** Applies decided slots in order from slotOut, stopping at the first slot not yet decided. */
export function performDecided(state: ReplicaState, out: StepCollector<ReplicaState> | null): void {
  for (;;) {
    const slot = state.slotOut;
    const decided = state.decisions.get(slot);
    if (!decided) return;
    performBatch(state, slot, decided, out);
    const ours = state.proposals.get(slot);
    if (ours) {
      forgetProposal(state, slot, ours);
      if (!batchEquals(ours, decided)) requeueLoser(state, ours);
    }
    state.slotOut += 1;
    state.counters.slotsApplied += 1;
  }
}
