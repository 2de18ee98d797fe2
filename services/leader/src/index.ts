export { leaderRole } from './role/leader-role';
export { defaultLeaderTimings, type LeaderConfig, type LeaderTimings } from './role/config';
export { describeLeader } from './role/describe';
export type { Commander, LeaderCounters, LeaderState, LeaderWatch, Scout } from './role/state';
