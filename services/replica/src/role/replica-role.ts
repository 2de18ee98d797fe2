import { StepCollector, type Message, type Role, type StepResult } from '@paxos/shared';
import type { ReplicaConfig } from './config';
import { onAccepted } from './on-accepted';
import { onDecision } from './on-decision';
import { onRequest } from './on-request';
import { onWithdraw } from './on-withdraw';
import { nextWidening, onReadProbeReply, withReadsServed } from './reads';
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

function onProbeReply(
  state: ReplicaState,
  message: Message,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  if (message.type === 'read-probe-reply') onReadProbeReply(state, message, out, now);
  return out.result();
}

function dispatch(state: ReplicaState, message: Message, now: number): StepResult<ReplicaState> {
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
    case 'read-probe-reply':
      return onProbeReply(state, message, now);
    default:
      return onUnexpected(state, message);
  }
}

const earliest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

/** Every step may apply slots or learn a configuration: reads it made ready are answered in it. */
export const replicaRole: Role<ReplicaState, ReplicaConfig> = {
  recover: recoverReplica,
  step: (state, message, now) => withReadsServed(dispatch(state, message, now), now),
  tick: (state, now) => withReadsServed(tickReplica(state, now), now),
  nextDeadline: (state) => earliest(state.retryDueAt, nextWidening(state)),
};
