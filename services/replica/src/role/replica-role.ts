import type { Message, Role, StepResult } from '@paxos/shared';
import type { ReplicaConfig } from './config';
import { onAccepted } from './on-accepted';
import { onDecision } from './on-decision';
import { onRequest } from './on-request';
import { onWithdraw } from './on-withdraw';
import { recoverReplica } from './recover';
import type { ReplicaState } from './state';
import { onBehind, onSnapshotChunk, onSnapshotRequest } from './state-transfer';
import { tickReplica } from './tick';

function onUnexpected(state: ReplicaState, message: Message): StepResult<ReplicaState> {
  state.counters.unexpectedIgnored += 1;
  return {
    state,
    persist: [],
    send: [],
    notes: [`replica ignores ${message.type} from ${message.from}`],
  };
}

export const replicaRole: Role<ReplicaState, ReplicaConfig> = {
  recover: recoverReplica,
  step(state, message, now) {
    switch (message.type) {
      case 'request':
        return onRequest(state, message, now);
      case 'decision':
        return onDecision(state, message, now);
      case 'accepted':
        return onAccepted(state, message, now);
      case 'withdraw':
        return onWithdraw(state, message);
      case 'behind':
        return onBehind(state, message, now);
      case 'snapshot-request':
        return onSnapshotRequest(state, message, now);
      case 'snapshot-chunk':
        return onSnapshotChunk(state, message, now);
      default:
        return onUnexpected(state, message);
    }
  },
  tick: tickReplica,
  nextDeadline: (state) => state.retryDueAt,
};
