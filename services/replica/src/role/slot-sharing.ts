import type { Batch, ProcessId, Slot } from '@paxos/shared';
import { DEFAULT_PARTNER_ACTIVE_MS } from './config';
import { configOfSlot } from './membership';
import type { ReplicaState } from './state';

/**
 * Two replicas that both propose at their lowest free slot collide on every slot under load:
 * one batch wins, the other waits a whole round and is proposed again. So replicas that are
 * busy at the same time take turns instead: slot s belongs to the ((s - 1) mod n)-th of the
 * n replicas that are proposing (in cluster order), in the spirit of Mencius.
 *
 * Who is proposing is learned from the log itself: a batch id starts with its proposer's id,
 * so a replica counts another as a partner while that replica's commands were decided within
 * the last `partnerActiveMs`. A replica alone (the others idle or dead) owns every slot, which
 * is plain PMMC. Views may disagree for a moment: then two replicas may propose into one slot
 * (safe: one loses and is requeued, as in PMMC) or a slot may stay empty below a decided one,
 * which its owner fills at once (see fillOwnedGaps) and, failing that, anyone fills with a
 * no-op on the retry tick. Ownership is a preference for speed; safety never depends on it.
 */
export function proposerOf(batch: Batch): ProcessId | null {
  const last = batch.batchId.lastIndexOf(':');
  const first = last > 0 ? batch.batchId.lastIndexOf(':', last - 1) : -1;
  return first > 0 ? batch.batchId.slice(0, first) : null;
}

/** A decided batch with commands shows its proposer is busy. */
export function notePartner(state: ReplicaState, batch: Batch, now: number): void {
  if (batch.commands.length === 0) return;
  const proposer = proposerOf(batch);
  if (proposer !== null && proposer !== state.config.id) state.partnerSeenAt.set(proposer, now);
}

/**
 * The replicas proposing now among `replicas` (the configuration's, in its order): this one and
 * its recently busy partners.
 */
export function activeProposers(
  state: ReplicaState,
  now: number,
  replicas: readonly ProcessId[],
): ProcessId[] {
  const activeMs = state.config.partnerActiveMs ?? DEFAULT_PARTNER_ACTIVE_MS;
  return replicas.filter((r) => {
    if (r === state.config.id) return true;
    const seen = state.partnerSeenAt.get(r);
    return seen !== undefined && now - seen < activeMs;
  });
}

/** Whether `slot` is this replica's turn, given who is proposing now. */
export function ownsSlot(proposers: ProcessId[], id: ProcessId, slot: Slot): boolean {
  return proposers.length > 0 && proposers[(slot - 1) % proposers.length] === id;
}

/**
 * Whether this replica may propose into `slot` now: it is a replica of the configuration that
 * governs the slot, and it is its turn among that configuration's busy replicas.
 */
export function isOurTurn(state: ReplicaState, now: number, slot: Slot): boolean {
  const replicas = configOfSlot(state, slot).replicas;
  if (!replicas.includes(state.config.id)) return false;
  return ownsSlot(activeProposers(state, now, replicas), state.config.id, slot);
}
