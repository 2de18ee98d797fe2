import type { Message, Role, StepResult } from '@paxos/shared';
import { onCollect } from './on-collect';
import { onP1a } from './on-p1a';
import { onP2a } from './on-p2a';
import { onReadProbe } from './on-read-probe';
import { recoverAcceptor } from './recover';
import type { AcceptorConfig, AcceptorState } from './state';

function onUnexpected(state: AcceptorState, message: Message): StepResult<AcceptorState> {
  state.counters.unexpectedIgnored += 1;
  return {
    state,
    persist: [],
    send: [],
    notes: [`acceptor ignores ${message.type} from ${message.from}`],
  };
}

/** The acceptor has no timers: it only ever answers. */
export const acceptorRole: Role<AcceptorState, AcceptorConfig> = {
  recover: (config, durable) => recoverAcceptor(config, durable),
  step(state, message) {
    switch (message.type) {
      case 'p1a':
        return onP1a(state, message);
      case 'p2a':
        return onP2a(state, message);
      case 'collect':
        return onCollect(state, message);
      case 'read-probe':
        return onReadProbe(state, message);
      default:
        return onUnexpected(state, message);
    }
  },
  tick: (state) => ({ state, persist: [], send: [] }),
  nextDeadline: () => null,
};
