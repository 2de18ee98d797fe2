import type { LeaderState } from './state';

/**
 * Dueling leaders (PMMC section 3): a passive leader does not scout the moment it is
 * preempted. It waits until the leader it watches has been silent for leaderTimeoutMs, plus a
 * back-off that grows with each preemption, plus a stagger: one heartbeat per leader ahead of
 * it in the list, not counting the leader it watches. Without randomness the stagger is what
 * breaks symmetric ties; at start (nobody watched yet) it lets leader-0 go first, and when the
 * active leader dies the first of the others takes over without waiting a stagger.
 */
export const staggerMs = (state: LeaderState): number => {
  const contenders = state.config.cluster.leaders.filter((id) => id !== state.watch.leaderId);
  return Math.max(0, contenders.indexOf(state.config.id)) * state.config.heartbeatMs;
};

export function scheduleScout(state: LeaderState): void {
  state.scoutDueAt =
    state.watch.lastHeardAt + state.config.leaderTimeoutMs + state.backoffMs + staggerMs(state);
}

/** First preemption waits one heartbeat longer; each further one doubles it, up to the cap. */
export function growBackoff(state: LeaderState): void {
  const { heartbeatMs, backoffMaxMs } = state.config;
  state.backoffMs = Math.min(
    backoffMaxMs,
    state.backoffMs === 0 ? heartbeatMs : state.backoffMs * 2,
  );
}
