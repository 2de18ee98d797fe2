import { BatchSchema, type DurableState, type StepResult } from '@paxos/shared';
import { assertReplicaConfig, type ReplicaConfig } from './config';
import { rememberResponse } from './response-cache';
import {
  INCARNATION_KEY,
  IncarnationSchema,
  SNAPSHOT_KEY,
  SnapshotSchema,
  isDecisionKey,
} from './durable';
import { performDecided } from './perform';
import { refreshRetryTimer } from './retry-timer';
import { newReplicaState, type ReplicaState } from './state';

/**
 * Rebuilds a replica from its snapshot plus the decisions persisted after it. The replay is
 * silent: each response went out in the step that first applied its slot. Pending requests and
 * proposals are not durable; clients retry, and a proposal made before the crash that still
 * wins its slot only costs a requeue or a skipped duplicate.
 */
export function recoverReplica(
  config: ReplicaConfig,
  durable: DurableState,
  now: number,
): StepResult<ReplicaState> {
  assertReplicaConfig(config);
  const state = newReplicaState(config);
  const previous = durable.get(INCARNATION_KEY);
  state.incarnation = (previous ? IncarnationSchema.parse(previous.value) : 0) + 1;

  const snapshotEntry = durable.get(SNAPSHOT_KEY);
  if (snapshotEntry) {
    const snapshot = SnapshotSchema.parse(snapshotEntry.value);
    state.slotOut = snapshot.slotOut;
    state.snapshotSlotOut = snapshot.slotOut;
    state.kv = new Map(snapshot.kv);
    for (const response of snapshot.responses) rememberResponse(state, response);
  }
  for (const [key, entry] of durable) {
    if (!isDecisionKey(key)) continue;
    if (entry.slot === null) throw new Error(`durable ${key} carries no slot`);
    if (entry.slot < state.slotOut) continue;
    state.decisions.set(entry.slot, BatchSchema.parse(entry.value));
    state.highestDecidedSlot = Math.max(state.highestDecidedSlot, entry.slot);
  }
  performDecided(state, null);
  state.slotIn = state.slotOut;
  refreshRetryTimer(state, now, true);
  return {
    state,
    persist: [{ op: 'put', key: INCARNATION_KEY, slot: null, value: state.incarnation }],
    send: [],
    notes: [
      `replica ${config.id} incarnation ${state.incarnation} resumes at slot ${state.slotOut}`,
    ],
  };
}
