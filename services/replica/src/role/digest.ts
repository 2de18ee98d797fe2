import { createHash } from 'node:crypto';
import { kvEntries } from '@paxos/shared';
import type { ReplicaState } from './state';

/**
 * A digest of what the replica has applied: equal digests at equal slotOut mean converged
 * replicas. Deterministic (no I/O), so the simulator can compare replicas at any step.
 */
export function replicaStateDigest(state: ReplicaState): string {
  return createHash('sha256')
    .update(JSON.stringify({ slotOut: state.slotOut, kv: kvEntries(state.kv) }))
    .digest('hex');
}
