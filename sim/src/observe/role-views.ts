import type { AcceptorState } from '@paxos/acceptor';
import type { LeaderProcessState } from '@paxos/leader';
import type { ReplicaState } from '@paxos/replica';
import type { AcceptorView, LeaderView, ReplicaView } from './views';

/** Reads the checkers' views off the roles' states (no copies: checkers copy what they keep). */
export function acceptorView(state: AcceptorState): AcceptorView {
  return {
    promises: state.promises,
    epochsBelow: state.epochsBelow,
    accepted: state.accepted,
    collectedBelow: state.collectedBelow,
  };
}

export function leaderView(state: LeaderProcessState): LeaderView {
  return {
    instances: [...state.leaders.values()].map((leader) => ({
      epoch: leader.epoch,
      startSlot: leader.startSlot,
      endSlot: leader.endSlot,
      acceptors: leader.config.cluster.acceptors,
      leaders: leader.config.cluster.leaders,
      replicas: leader.config.cluster.replicas,
      collectedBelow: leader.collectedBelow,
    })),
  };
}

export function replicaView(state: ReplicaState): ReplicaView {
  return {
    slotIn: state.slotIn,
    slotOut: state.slotOut,
    decisions: state.decisions,
    proposals: state.proposals,
    kv: state.kv,
    responses: state.responses,
    configs: state.configs,
  };
}
