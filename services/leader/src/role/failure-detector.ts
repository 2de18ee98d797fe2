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

/**
 * A scout timer that fires this late was not late by the watched leader's doing: this leader
 * itself did not run (it was paused, or its data API was down and its steps waited on a
 * commit), so it heard nothing, and heartbeats may be waiting in its queue. Half the timeout:
 * a timer on a loaded machine fires a little late, a stall is longer.
 */
export const stallSlackMs = (state: LeaderState): number =>
  Math.floor(state.config.leaderTimeoutMs / 2);

/**
 * Whether this leader's own stall, not the watched leader's silence, explains the scout timer
 * firing at `now`. Then the silence clock starts again from `now`: a live leader is not
 * deposed because its follower was away (it would be, once per outage, otherwise), and a dead
 * one is suspected one timeout later. Once only until the watched leader is heard again: a
 * leader whose timers are always late (a starved machine) must still take over.
 */
export function restartSilenceAfterOwnStall(state: LeaderState, now: number): boolean {
  if (state.scoutDueAt === null || now <= state.scoutDueAt + stallSlackMs(state)) return false;
  if (state.watch.stallForgiven === true) return false;
  state.watch.stallForgiven = true;
  state.watch.lastHeardAt = now;
  scheduleScout(state);
  return true;
}

/** First preemption waits one heartbeat longer; each further one doubles it, up to the cap. */
export function growBackoff(state: LeaderState): void {
  const { heartbeatMs, backoffMaxMs } = state.config;
  state.backoffMs = Math.min(
    backoffMaxMs,
    state.backoffMs === 0 ? heartbeatMs : state.backoffMs * 2,
  );
}
