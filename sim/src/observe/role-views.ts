import type { AcceptorState } from '@paxos/acceptor';
import type { ReplicaState } from '@paxos/replica';
import type { AcceptorView, ReplicaView } from './views';

/** Reads the checkers' views off the roles' states (no copies: checkers copy what they keep). */
export function acceptorView(state: AcceptorState): AcceptorView {
  // The acceptor does not garbage-collect yet, so nothing below any slot may vanish.
  return { ballot: state.ballot, accepted: state.accepted, collectedBelow: 1 };
}

export function replicaView(state: ReplicaState): ReplicaView {
  return {
    slotIn: state.slotIn,
    slotOut: state.slotOut,
    decisions: state.decisions,
    proposals: state.proposals,
    kv: state.kv,
    responses: state.responses,
  };
}
