import type { Ballot, Batch, Envelope, ProcessId, Slot } from '@paxos/shared';
import type { Commander, LeaderState } from './state';

/** Messages a leader sends, built in one place. */

export function p1aTo(state: LeaderState, to: ProcessId, ballot: Ballot): Envelope {
  return { to, message: { type: 'p1a', from: state.config.id, ballot } };
}

export function p2aTo(state: LeaderState, to: ProcessId, commander: Commander): Envelope {
  const { ballot, slot, value } = commander;
  return { to, message: { type: 'p2a', from: state.config.id, pvalue: { ballot, slot, value } } };
}

export function decisionTo(state: LeaderState, to: ProcessId, slot: Slot, value: Batch): Envelope {
  return { to, message: { type: 'decision', from: state.config.id, slot, value } };
}

export function collectTo(state: LeaderState, to: ProcessId, belowSlot: Slot): Envelope {
  return { to, message: { type: 'collect', from: state.config.id, belowSlot } };
}

export function heartbeatsToOtherLeaders(state: LeaderState): Envelope[] {
  return state.config.cluster.leaders
    .filter((to) => to !== state.config.id)
    .map((to) => ({
      to,
      message: {
        type: 'heartbeat',
        from: state.config.id,
        ballot: state.ballot,
        active: state.active,
      },
    }));
}
