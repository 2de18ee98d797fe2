import type { Batch, Envelope, Slot } from '@paxos/shared';
import type { CachedResponse, ReplicaState } from './state';

/** Messages a replica sends, built in one place. */

export function responseEnvelope(state: ReplicaState, cached: CachedResponse): Envelope {
  return {
    to: cached.clientId,
    message: {
      type: 'response',
      from: state.config.id,
      clientId: cached.clientId,
      requestId: cached.requestId,
      slot: cached.slot,
      result: cached.result,
    },
  };
}

export function proposeToLeaders(state: ReplicaState, slot: Slot, value: Batch): Envelope[] {
  return state.config.cluster.leaders.map((to) => ({
    to,
    message: { type: 'propose', from: state.config.id, slot, value },
  }));
}

export function progressToLeaders(state: ReplicaState, wantsDecisions: boolean): Envelope[] {
  return state.config.cluster.leaders.map((to) => ({
    to,
    message: { type: 'progress', from: state.config.id, slotOut: state.slotOut, wantsDecisions },
  }));
}
