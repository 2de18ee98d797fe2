import { promiseOf, type AcceptorState } from '@paxos/acceptor';
import type { LeaderState } from '@paxos/leader';
import type { ReplicaState } from '@paxos/replica';
import type { AcceptorView, LeaderView, ReplicaView } from './views';

/** Reads the checkers' views off the roles' states (no copies: checkers copy what they keep). */
export function acceptorView(state: AcceptorState): AcceptorView {
  return {
    ballot: promiseOf(state, 0),
    accepted: state.accepted,
    collectedBelow: state.collectedBelow,
  };
}

export function leaderView(state: LeaderState): LeaderView {
  return { collectedBelow: state.collectedBelow };
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
