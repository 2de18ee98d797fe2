import type { Batch, Slot, StepCollector } from '@paxos/shared';
import { commandKey, noopBatch } from '@paxos/shared';
import { DEFAULT_PROPOSALS_IN_FLIGHT_MAX } from './config';
import { proposeToLeaders } from './outbox';
import { pendingEntry, proposalLimitOf } from './membership';
import { isOurTurn } from './slot-sharing';
import type { ReplicaState } from './state';

/**
 * Batch ids are unique across restarts: the incarnation is bumped durably at each recovery.
 * The id starts with the proposer's id, which slot-sharing.ts reads back (proposerOf).
 */
export function nextBatchId(state: ReplicaState): string {
  const batchId = `${state.config.id}:${state.incarnation}:${state.nextBatchSeq}`;
  state.nextBatchSeq += 1;
  return batchId;
}

/** Records a proposal at `slot` and sends it to every leader. */
export function sendProposal(
  state: ReplicaState,
  out: StepCollector<ReplicaState>,
  slot: Slot,
  batch: Batch,
): void {
  // R5: a replica proposes only inside its window, where every slot's configuration is known.
  const limit = proposalLimitOf(state);
  if (slot < state.slotOut || slot >= limit) {
    throw new Error(`proposal at slot ${slot} outside window [${state.slotOut}, ${limit})`);
  }
  if (state.proposals.has(slot)) throw new Error(`replica already proposed at slot ${slot}`);
  state.proposals.set(slot, batch);
  for (const command of batch.commands) state.proposedSlotOf.set(commandKey(command), slot);
  out.send.push(...proposeToLeaders(state, slot, batch));
  state.counters.proposalsSent += 1;
}

/**
 * Takes pending commands, oldest first, as one batch: up to batchMaxCommands and up to
 * batchMaxBytes of commands as JSON (UTF-8, measured once when each command arrived), so every
 * message carrying the batch stays within LIMITS.messageJsonBytesMax. A command is at most
 * LIMITS.commandJsonBytesMax (on-request.ts), less than a batch, so every command fits in one.
 */
function takeBatch(state: ReplicaState): Batch {
  const maxBytes = state.bounds.batchMaxBytes;
  const commands = [];
  // The brackets of the array, then each command and its comma.
  let bytes = 2;
  for (const [key, pending] of state.requests) {
    if (commands.length >= state.config.batchMaxCommands) break;
    const size = pending.jsonBytes + (commands.length > 0 ? 1 : 0);
    if (commands.length > 0 && bytes + size > maxBytes) break;
    state.requests.delete(key);
    commands.push(pending.command);
    bytes += size;
  }
  return { batchId: nextBatchId(state), commands };
}

/**
 * PMMC's propose(): fills undecided slots of the window with pending commands, one batch per
 * slot, in this replica's turns (slot-sharing.ts). Slots below slotOut are all decided (and
 * may already be truncated), so slotIn first catches up with slotOut; otherwise a proposal
 * there could never be applied nor requeued.
 */
export function proposePending(
  state: ReplicaState,
  out: StepCollector<ReplicaState>,
  now: number,
): void {
  if (state.slotIn < state.slotOut) state.slotIn = state.slotOut;
  fillOwnedGaps(state, out, now);
  const inFlightMax = state.config.proposalsInFlightMax ?? DEFAULT_PROPOSALS_IN_FLIGHT_MAX;
  let inFlight = unappliedProposals(state);
  const limit = proposalLimitOf(state);
  while (
    (state.requests.size > 0 || pushesReconfiguration(state)) &&
    state.slotIn < limit &&
    inFlight < inFlightMax
  ) {
    const slot = state.slotIn;
    // fillOwnedGaps may already have proposed here (a gap of ours at or above slotIn).
    const free = !state.decisions.has(slot) && !state.proposals.has(slot);
    if (free && isOurTurn(state, now, slot)) {
      if (state.requests.size > 0) {
        sendProposal(state, out, slot, takeBatch(state));
      } else {
        sendProposal(state, out, slot, noopBatch(nextBatchId(state)));
        state.counters.noopsProposed += 1;
      }
      inFlight += 1;
    }
    state.slotIn += 1;
  }
}

/**
 * A decided reconfiguration takes effect only once the log reaches its start (PMMC pitfall 7:
 * an idle log never would): while one is pending, a replica with nothing to propose proposes
 * no-ops in its turns, one slot in flight at a time.
 */
function pushesReconfiguration(state: ReplicaState): boolean {
  const pending = pendingEntry(state);
  return pending !== null && state.slotIn < pending.startSlot;
}

/**
 * A slot of ours below a decided slot, with no proposal: it blocks everyone's log. Propose
 * into it at once, pending commands if there are any, else a no-op (Mencius's skip).
 */
function fillOwnedGaps(state: ReplicaState, out: StepCollector<ReplicaState>, now: number): void {
  const end = Math.min(state.highestDecidedSlot, proposalLimitOf(state));
  for (let slot = state.slotOut; slot < end; slot++) {
    if (state.decisions.has(slot) || state.proposals.has(slot)) continue;
    if (!isOurTurn(state, now, slot)) continue;
    if (state.requests.size > 0) {
      sendProposal(state, out, slot, takeBatch(state));
    } else {
      sendProposal(state, out, slot, noopBatch(nextBatchId(state)));
      state.counters.noopsProposed += 1;
    }
  }
}

/**
 * A proposal counts as in flight until its slot is APPLIED, not merely decided. Replicas that
 * share slots otherwise drift out of phase: one's slot is decided, it proposes again at once,
 * yet its clients wait for the partner's lower slot (head-of-line blocking), and the two
 * streams of slots cross every role at different moments, each paying its own claims and
 * commits. Waiting for the application makes both replicas propose in the same instant (the
 * step that applies the later of their two slots), so their slots travel together.
 */
function unappliedProposals(state: ReplicaState): number {
  return state.proposals.size;
}
