import { createHash } from 'node:crypto';
import { kvEntries } from '@paxos/shared';
import type { ReplicaState } from './state';

/**
 * A digest of what the replica has applied: the store and the session table with its cached
 * answers, which every replica must hold alike too (they decide later outcomes). Equal digests
 * at equal slotOut mean converged replicas. Deterministic (no I/O), so the simulator can
 * compare replicas at any step.
 */
export function replicaStateDigest(state: ReplicaState): string {
  const sessions = [...state.sessions.values()]
    .sort((a, b) => a.id - b.id)
    .map((s) => [
      s.id,
      s.lastActiveSlot,
      s.floor,
      [...s.answers.values()]
        .sort((a, b) => a.requestId - b.requestId)
        .map((a) => [a.requestId, a.slot, a.opDigest, a.result]),
    ]);
  return createHash('sha256')
    .update(JSON.stringify({ slotOut: state.slotOut, kv: kvEntries(state.kv), sessions }))
    .digest('hex');
}
