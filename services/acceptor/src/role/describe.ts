import { ballotToString } from '@paxos/shared';
import { acceptedThrough } from './on-read-probe';
import { promiseOf, type AcceptorState } from './state';

/** A JSON summary for GET /state. */
export function describeAcceptor(state: AcceptorState): object {
  let highestAcceptedSlot = 0;
  for (const slot of state.accepted.keys())
    highestAcceptedSlot = Math.max(highestAcceptedSlot, slot);
  return {
    role: 'acceptor',
    id: state.config.id,
    ballot: ballotToString(promiseOf(state, Math.max(state.epochsBelow, ...state.promises.keys()))),
    promises: Object.fromEntries([...state.promises].map(([e, b]) => [e, ballotToString(b)])),
    epochsBelow: state.epochsBelow,
    acceptedSlots: state.accepted.size,
    collectedBelow: state.collectedBelow,
    highestAcceptedSlot,
    acceptedThrough: acceptedThrough(state),
    counters: { ...state.counters },
  };
}
