import {
  BallotSchema,
  CorruptStateError,
  StepCollector,
  ballotToString,
  parseDurableValue,
  type DurableState,
  type StepResult,
} from '@paxos/shared';
import { assertLeaderConfig, type LeaderConfig } from './config';
import { BALLOT_KEY } from './durable-keys';
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
  const state = newLeaderState(config, now);
  const out = new StepCollector(state);
  const entry = durable.get(BALLOT_KEY);
  if (entry) {
    const used = parseDurableValue(BALLOT_KEY, entry.value, BallotSchema);
    if (used.leaderId !== config.id) {
      throw new CorruptStateError(
        BALLOT_KEY,
        `leaderId: leader ${config.id} holds ballot ${ballotToString(used)} of another leader`,
      );
    }
    state.ballot = { round: used.round + 1, leaderId: config.id };
  }
  if (!entry && state.index === 0) startScout(state, now, out);
  else scheduleScout(state);
  return out.result();
}
