import { commandKey, type StepResult, type Withdraw } from '@paxos/shared';
import type { ReplicaState } from './state';

/**
 * Nobody waits for this command any more (its HTTP client went away or timed out): if it is
 * still only pending here, it is dropped, so a disconnected client holds no memory. Once
 * proposed it stays: the proposal is out and may be decided anyway, and the client may still
 * retry with the same request number.
 */
export function onWithdraw(state: ReplicaState, message: Withdraw): StepResult<ReplicaState> {
  const key = commandKey(message);
  const result: StepResult<ReplicaState> = { state, persist: [], send: [], notes: [] };
  if (state.requests.delete(key) || state.awaitingRegistration.delete(key)) {
    state.counters.withdrawn += 1;
    return result;
  }
  result.notes!.push(
    state.proposedSlotOf.has(key)
      ? `withdraw of ${key}: already proposed at slot ${state.proposedSlotOf.get(key)}`
      : `withdraw of ${key}: not pending here`,
  );
  return result;
}
