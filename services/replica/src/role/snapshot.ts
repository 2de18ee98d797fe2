import { kvEntries, type StepCollector } from '@paxos/shared';
import { SNAPSHOT_KEY, type Snapshot } from './durable';
import type { ReplicaState } from './state';

export function takeSnapshot(state: ReplicaState): Snapshot {
  return {
    slotOut: state.slotOut,
    kv: kvEntries(state.kv),
    responses: [...state.responses.values()].map((r) => ({ ...r })),
  };
}

/**
 * Every snapshotEverySlots applied slots, persists the applied state and truncates the
 * decisions it covers, in the same step: recovery is then snapshot + replay of later decisions.
 */
export function snapshotIfDue(state: ReplicaState, out: StepCollector<ReplicaState>): void {
  if (state.slotOut - state.snapshotSlotOut < state.config.snapshotEverySlots) return;
  out.persist.push({ op: 'put', key: SNAPSHOT_KEY, slot: null, value: takeSnapshot(state) });
  out.persist.push({ op: 'truncate', belowSlot: state.slotOut });
  for (const slot of state.decisions.keys()) {
    if (slot < state.slotOut) state.decisions.delete(slot);
  }
  state.snapshotSlotOut = state.slotOut;
  state.counters.snapshots += 1;
}
