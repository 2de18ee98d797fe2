import {
  StepCollector,
  ballotGreater,
  ballotToString,
  type P1a,
  type StepResult,
} from '@paxos/shared';
import { BALLOT_KEY } from './durable-keys';
import type { AcceptorState } from './state';

/**
 * Phase 1a. A higher ballot is adopted and persisted in this same step, so the p1b that
 * announces the promise can never be seen before the promise is durable. Any other p1a
 * (a duplicate or a stale leader) still gets a reply: the current ballot tells a stale
 * leader that it is preempted, and a duplicate's reply is harmless.
 */
export function onP1a(state: AcceptorState, message: P1a): StepResult<AcceptorState> {
  const out = new StepCollector(state);
  if (ballotGreater(message.ballot, state.ballot)) {
    state.ballot = message.ballot;
    out.persist.push({ op: 'put', key: BALLOT_KEY, slot: null, value: state.ballot });
    state.counters.promises += 1;
  } else {
    state.counters.promisesRefused += 1;
    out.notes.push(
      `p1a ${ballotToString(message.ballot)} from ${message.from} not above promise ` +
        `${ballotToString(state.ballot)}: re-announcing the promise`,
    );
  }
  out.send.push({
    to: message.from,
    message: {
      type: 'p1b',
      from: state.config.id,
      ballot: state.ballot,
      // Only what is above the horizon: below it every slot is decided and applied everywhere,
      // and the leader learns from collectedBelow never to run phase 2 there.
      accepted: [...state.accepted.values()].sort((a, b) => a.slot - b.slot),
      collectedBelow: state.collectedBelow,
    },
  });
  return out.result();
}
