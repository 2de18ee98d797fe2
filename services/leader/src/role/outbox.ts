import {
  bodyBytesOfJsonText,
  type Ballot,
  type Batch,
  type Envelope,
  type P2a,
  type ProcessId,
  type Slot,
} from '@paxos/shared';
import type { Commander, LeaderState } from './state';

/** Messages a leader sends, built in one place. */

type Proposal = Pick<Commander, 'ballot' | 'slot' | 'value'>;

export function p1aTo(state: LeaderState, to: ProcessId, ballot: Ballot): Envelope {
  return { to, message: { type: 'p1a', from: state.config.id, ballot } };
}

function p2a(state: LeaderState, { ballot, slot, value }: Proposal): P2a {
  const message: P2a = { type: 'p2a', from: state.config.id, pvalue: { ballot, slot, value } };
  // Acceptors tell this configuration's replicas of the acceptance (not their start-up list).
  if (state.config.replicasLearnFromAcceptors && state.epoch > 0) {
    message.learners = state.config.cluster.replicas;
  }
  return message;
}

export function p2aTo(state: LeaderState, to: ProcessId, commander: Proposal): Envelope {
  return { to, message: p2a(state, commander) };
}

/**
 * What one such p2a costs in a step commit's request body: its JSON sits in a string inside
 * another (commit-planner.ts), so each `"` and `\` counts four times. The same for every
 * acceptor, so a commander measures it once.
 */
export function p2aBodyBytes(state: LeaderState, commander: Proposal): number {
  return bodyBytesOfJsonText(JSON.stringify(p2a(state, commander)));
}

export function decisionTo(state: LeaderState, to: ProcessId, slot: Slot, value: Batch): Envelope {
  return { to, message: { type: 'decision', from: state.config.id, slot, value } };
}

export function collectTo(
  state: LeaderState,
  to: ProcessId,
  belowSlot: Slot,
  epochsBelow: number,
): Envelope {
  const collect = { type: 'collect' as const, from: state.config.id, belowSlot };
  return { to, message: epochsBelow > 0 ? { ...collect, epochsBelow } : collect };
}

/** To a replica below the horizon: what it misses is collected, get a snapshot. */
export function behindTo(state: LeaderState, to: ProcessId): Envelope {
  return {
    to,
    message: { type: 'behind', from: state.config.id, collectedBelow: state.collectedBelow },
  };
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
