import { majorityOf, type ProcessId, type Slot, type StepCollector } from '@paxos/shared';
import { collectTo } from './outbox';
import type { LeaderState } from './state';

/**
 * Garbage collection (PMMC section 3, pitfall 6). The horizon is the slot that f+1 of the
 * configuration's 2f+1 replicas have applied (a majority of them: with two replicas, both), so
 * one replica that is down or slow cannot pin it. Applied means durable: a replica persists a
 * decision in the step that applies it, and recovers from its snapshot and the decisions after
 * it. A replica left below the horizon catches up from another's snapshot (state transfer: the
 * leader tells it with `behind`), never from pvalues that were collected. A replica that never
 * reported counts as slotOut 1.
 */
export function horizonFromReports(state: LeaderState): Slot {
  const reported = state.config.cluster.replicas
    .map((replica) => state.replicaSlotOut.get(replica) ?? 1)
    .sort((a, b) => b - a);
  return reported[majorityOf(reported.length) - 1] ?? 1;
}

function dropBelow<V>(bySlot: Map<Slot, V>, belowSlot: Slot): number {
  let dropped = 0;
  for (const slot of bySlot.keys()) {
    if (slot < belowSlot) {
      bySlot.delete(slot);
      dropped += 1;
    }
  }
  return dropped;
}

/** The active leader tells every acceptor; a lost collect is superseded by the next one. */
export function sendCollect(state: LeaderState, out: StepCollector<LeaderState>): void {
  // Past this configuration's start, every earlier configuration's slots are collected.
  const epochsBelow = state.collectedBelow >= state.startSlot ? state.epoch : 0;
  for (const acceptor of state.config.cluster.acceptors) {
    out.send.push(collectTo(state, acceptor, state.collectedBelow, epochsBelow));
  }
  state.counters.collectsSent += state.config.cluster.acceptors.length;
}

/**
 * Raises the horizon to `belowSlot` if that is higher. Every leader drops its own state below
 * it (a passive leader also receives every proposal, so its map would grow too), but only the
 * active one tells the acceptors: one sender per horizon is enough, and a passive leader that
 * becomes active re-sends its horizon on adoption.
 */
export function advanceHorizon(
  state: LeaderState,
  belowSlot: Slot,
  source: string,
  out: StepCollector<LeaderState>,
): void {
  if (belowSlot <= state.collectedBelow) return;
  state.collectedBelow = belowSlot;
  const dropped =
    dropBelow(state.proposals, belowSlot) +
    dropBelow(state.decided, belowSlot) +
    dropBelow(state.commanders, belowSlot) +
    (state.scout ? dropBelow(state.scout.pvalues, belowSlot) : 0);
  state.counters.horizonAdvances += 1;
  out.notes.push(`horizon now ${belowSlot} (${source}): dropped ${dropped} entries below it`);
  if (state.active) sendCollect(state, out);
}

/** Only acceptors know what they collected; anyone else's claim is ignored. */
export function learnCollectedBelow(
  state: LeaderState,
  from: ProcessId,
  collectedBelow: Slot,
  out: StepCollector<LeaderState>,
): void {
  if (!state.config.cluster.acceptors.includes(from)) return;
  advanceHorizon(state, collectedBelow, `${from} collected below it`, out);
}
