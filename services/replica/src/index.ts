export { replicaRole } from './role/replica-role';
export {
  defaultReplicaTimings,
  type ReplicaBounds,
  type ReplicaConfig,
  type ReplicaTimings,
} from './role/config';
export { describeReplica } from './role/describe';
export { replicaStateDigest } from './role/digest';
export type {
  CachedAnswer,
  CachedResponse,
  ReplicaCounters,
  ReplicaState,
  Session,
} from './role/state';
export { withReadsServed } from './role/reads';
