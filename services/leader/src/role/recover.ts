import {
  BallotSchema,
  CorruptStateError,
  StepCollector,
  ballotAfter,
  ballotToString,
  epochOf,
  parseDurableValue,
  type DurableState,
  type StepResult,
} from '@paxos/shared';
import { assertLeaderConfig, type LeaderConfig } from './config';
import { ballotKey } from './durable-keys';
import { scheduleScout } from './failure-detector';
import { startScout } from './scout';
import { newLeaderState, type LeaderState } from './state';

/**
 * Rebuilds a leader. Only its highest used ballot is durable; it resumes one round above, so no
 * ballot is ever used twice. Proposals and decisions are soft state: replicas re-propose, and
 * phase 1 recovers whatever acceptors accepted. The row is parsed, not trusted: unreadable, or
 * another leader's, it throws a CorruptStateError naming the row and field (the service exits):
 * a guess could reuse a ballot.
 *
 * On a fresh cluster leader-0 scouts at once. Every other start waits for a heartbeat first: a
 * restarted leader is merely slow, and a working leader may be in charge.
 */
export function recoverLeader(
  config: LeaderConfig,
  durable: DurableState,
  now: number,
): StepResult<LeaderState> {
  assertLeaderConfig(config);
  if (!config.cluster.leaders.includes(config.id)) {
    throw new Error(`leader ${config.id} is not in the cluster's leaders`);
  }
  const state = newLeaderState(config, now);
  const out = new StepCollector(state);
  const key = ballotKey(state.epoch);
  const entry = durable.get(key);
  if (entry) {
    const used = parseDurableValue(key, entry.value, BallotSchema);
    if (used.leaderId !== config.id) {
      throw new CorruptStateError(
        key,
        `leaderId: leader ${config.id} holds ballot ${ballotToString(used)} of another leader`,
      );
    }
    if (epochOf(used) !== state.epoch) {
      throw new CorruptStateError(
        key,
        `epoch: the row of epoch ${state.epoch} holds ballot ${ballotToString(used)}`,
      );
    }
    state.ballot = ballotAfter(used, config.id);
  }
  if (!entry && state.index === 0) startScout(state, now, out);
  else scheduleScout(state);
  return out.result();
}
