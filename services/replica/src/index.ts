export { replicaRole } from './role/replica-role';
export { defaultReplicaTimings, type ReplicaConfig, type ReplicaTimings } from './role/config';
export { describeReplica } from './role/describe';
export { replicaStateDigest } from './role/digest';
export type { CachedResponse, ReplicaCounters, ReplicaState } from './role/state';
