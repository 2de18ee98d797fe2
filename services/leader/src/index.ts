export { leaderRole } from './role/leader-role';
export { defaultLeaderTimings, type LeaderConfig, type LeaderTimings } from './role/config';
export { describeLeader } from './role/describe';
export type { Commander, LeaderCounters, LeaderState, LeaderWatch, Scout } from './role/state';
export {
  knownConfigAt,
  leaderProcessRole,
  newestLeader,
  type LeaderProcessState,
} from './role/leader-process';
export { describeLeaderProcess } from './role/describe';
