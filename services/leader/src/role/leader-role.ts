import type { Message, Role, StepResult } from '@paxos/shared';
import { onP2b } from './commander';
import type { LeaderConfig } from './config';
import { onHeartbeat } from './heartbeat';
import { onProgress } from './on-progress';
import { onPropose } from './on-propose';
import { recoverLeader } from './recover';
import { onP1b } from './scout';
import type { LeaderState } from './state';
import { nextLeaderDeadline, tickLeader } from './tick';

/** adopted and preempted are the scout's and commanders' internal calls, never queued. */
function onUnexpected(state: LeaderState, message: Message): StepResult<LeaderState> {
  state.counters.unexpectedIgnored += 1;
  return {
    state,
    persist: [],
    send: [],
    notes: [`leader ignores ${message.type} from ${message.from}`],
  };
}

export const leaderRole: Role<LeaderState, LeaderConfig> = {
  recover: recoverLeader,
  step(state, message, now) {
    switch (message.type) {
      case 'propose':
        return onPropose(state, message, now);
      case 'p1b':
        return onP1b(state, message, now);
      case 'p2b':
        return onP2b(state, message, now);
      case 'heartbeat':
        return onHeartbeat(state, message, now);
      case 'progress':
        return onProgress(state, message);
      default:
        return onUnexpected(state, message);
    }
  },
  tick: tickLeader,
  nextDeadline: nextLeaderDeadline,
};
