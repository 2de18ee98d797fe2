import { ballotToString } from '@paxos/shared';
import type { AcceptorState } from './state';

/** A JSON summary for GET /state. */
export function describeAcceptor(state: AcceptorState): object {
  let highestAcceptedSlot = 0;
  for (const slot of state.accepted.keys())
    highestAcceptedSlot = Math.max(highestAcceptedSlot, slot);
  return {
    role: 'acceptor',
    id: state.config.id,
    ballot: ballotToString(state.ballot),
    acceptedSlots: state.accepted.size,
    collectedBelow: state.collectedBelow,
    highestAcceptedSlot,
    counters: { ...state.counters },
  };
}
