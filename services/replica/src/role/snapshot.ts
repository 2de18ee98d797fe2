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
 * decisions it covers: recovery is then snapshot + replay of later decisions.
 *
 * Both go in `persistLater`: the snapshot repeats what the persisted decisions already hold,
 * so the runner writes it behind the step instead of in it. A snapshot is hundreds of KiB
 * (the key-value state and the response cache); in the step it held the replica, and through
 * slot-sharing its partner, for a quarter of a second under load. Lost in a crash, it costs
 * nothing: recovery starts from the previous snapshot and the decisions it did not truncate.
 */
export function snapshotIfDue(state: ReplicaState, out: StepCollector<ReplicaState>): void {
  if (state.slotOut - state.snapshotSlotOut < state.config.snapshotEverySlots) return;
  out.persistLater.push({ op: 'put', key: SNAPSHOT_KEY, slot: null, value: takeSnapshot(state) });
  out.persistLater.push({ op: 'truncate', belowSlot: state.slotOut });
  for (const slot of state.decisions.keys()) {
    if (slot < state.slotOut) state.decisions.delete(slot);
  }
  state.snapshotSlotOut = state.slotOut;
  state.counters.snapshots += 1;
}
