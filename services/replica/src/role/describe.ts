import { describeConfiguration } from '@paxos/shared';
import { replicaStateDigest } from './digest';
import { configInForce, isOutsideConfiguration, pendingEntry } from './membership';
import { hasUndecidedProposal } from './retry-timer';
import type { ReplicaState } from './state';

/** A JSON summary for GET /state. */
export function describeReplica(state: ReplicaState): object {
  return {
    role: 'replica',
    id: state.config.id,
    incarnation: state.incarnation,
    slotIn: state.slotIn,
    slotOut: state.slotOut,
    highestDecidedSlot: state.highestDecidedSlot,
    pendingRequests: state.requests.size,
    awaitingRegistration: state.awaitingRegistration.size,
    proposals: state.proposals.size,
    waitingForDecision: hasUndecidedProposal(state),
    decisionsHeld: state.decisions.size,
    snapshotSlotOut: state.snapshotSlotOut,
    slotOutReported: state.slotOutReported,
    keys: state.kv.size,
    kvBytes: state.kvBytes,
    sessions: state.sessions.size,
    cachedResponses: state.responses.size,
    cachedResponseValueBytes: state.responseValueBytes,
    bounds: { ...state.bounds },
    retryDueAt: state.retryDueAt,
    digest: replicaStateDigest(state),
    configuration: {
      inForce: describeConfiguration(configInForce(state)),
      epoch: configInForce(state).epoch,
      pending: pendingEntry(state) && {
        startSlot: pendingEntry(state)!.startSlot,
        config: describeConfiguration(pendingEntry(state)!.config),
      },
      member: !isOutsideConfiguration(state),
    },
    transfer: {
      wanted: state.transfer.wanted,
      asks: state.transfer.asks,
      gathering: state.transfer.incoming && {
        from: state.transfer.incoming.from,
        slotOut: state.transfer.incoming.slotOut,
        parts: `${state.transfer.incoming.data.size}/${state.transfer.incoming.parts}`,
      },
    },
    counters: { ...state.counters },
  };
}
