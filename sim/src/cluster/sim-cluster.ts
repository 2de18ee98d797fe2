import { acceptorRole, type AcceptorConfig, type AcceptorState } from '@paxos/acceptor';
import { leaderRole, type LeaderConfig, type LeaderState } from '@paxos/leader';
import { replicaRole, type ReplicaConfig, type ReplicaState } from '@paxos/replica';
import { LIMITS, namedProcesses, type Cluster, type Role } from '@paxos/shared';
import { SimProcess } from './sim-process';
import type { SimOptions } from '../run/sim-options';

export type AcceptorProcess = SimProcess<'acceptor', AcceptorState, AcceptorConfig>;
export type LeaderProcess = SimProcess<'leader', LeaderState, LeaderConfig>;
export type ReplicaProcess = SimProcess<'replica', ReplicaState, ReplicaConfig>;
export type AnyProcess = AcceptorProcess | LeaderProcess | ReplicaProcess;

/**
 * Role timings scaled to simulated milliseconds: links take a few ms, so retransmission and
 * failure detection act within tens of ms, and a window of 4 slots and a snapshot every 4
 * slots make the window limit and log truncation happen many times per run. A progress report
 * every 3 slots makes garbage collection happen many times per run too, and 220 bytes per
 * batch (a sim command is 60-110 bytes of JSON) splits some batches by size before count.
 */
export const SIM_LEADER_TIMINGS = {
  retransmitMs: 40,
  heartbeatMs: 20,
  leaderTimeoutMs: 80,
  backoffMaxMs: 300,
  spareAfterMs: 25,
} as const;

export const SIM_REPLICA_TIMINGS = {
  windowSlots: 4,
  batchMaxCommands: 3,
  retryMs: 60,
  snapshotEverySlots: 4,
  gcReportEverySlots: 3,
  batchMaxBytes: 220,
  /*
   * Bounds far below the services' (LIMITS), so that a run of a hundred commands meets them:
   * four clients and one hopping sessions outgrow 6 sessions, a closed-loop client outgrows
   * 4 answers per session within a few commands, and a few values at the per-command limit
   * (64 KiB) outgrow the answer cache's bytes and the store's quota.
   */
  sessionsMax: 6,
  responsesPerSession: 4,
  responseCacheJsonBytesMax: 256 * 1024,
  kvKeysMax: 5,
  kvBytesMax: 150_000,
} as const;

/**
 * --oversized-commits: the services' own bounds on batches and the store, so that values at the
 * per-command limit pile up in batches, snapshots and phase-1 replies, and one step's writes
 * outgrow the data API's body limit (which the variant's shell cores no longer respect).
 */
export const OVERSIZED_REPLICA_BOUNDS = {
  batchMaxBytes: LIMITS.batchJsonBytesMax,
  batchMaxCommands: 16,
  kvKeysMax: LIMITS.kvKeysMax,
  kvBytesMax: LIMITS.kvBytesMax,
  responseCacheJsonBytesMax: LIMITS.responseCacheJsonBytesMax,
} as const;

/**
 * The role implementations to run. The real ones by default; tests swap in a deliberately
 * broken one to show the checkers catch it.
 */
export interface SimRoles {
  acceptor: Role<AcceptorState, AcceptorConfig>;
  leader: Role<LeaderState, LeaderConfig>;
  replica: Role<ReplicaState, ReplicaConfig>;
}

export const REAL_ROLES: SimRoles = {
  acceptor: acceptorRole,
  leader: leaderRole,
  replica: replicaRole,
};

export interface SimCluster {
  cluster: Cluster;
  clients: string[];
  acceptors: AcceptorProcess[];
  leaders: LeaderProcess[];
  replicas: ReplicaProcess[];
  byId: Map<string, AnyProcess>;
}

/**
 * Odd seeds run replicas learning decisions from the acceptors (LEARN_FROM_ACCEPTORS=true);
 * even seeds the services' default and the paper's way, decisions from the leaders only.
 */
export const learnsFromAcceptors = (seed: number): boolean => seed % 2 === 1;

export function buildCluster(
  options: SimOptions,
  roles: SimRoles = REAL_ROLES,
  seed = 1,
): SimCluster {
  const cluster: Cluster = {
    acceptors: namedProcesses('acceptor', options.acceptors),
    leaders: namedProcesses('leader', options.leaders),
    replicas: namedProcesses('replica', options.replicas),
  };
  const learning = learnsFromAcceptors(seed);
  const learners = learning ? cluster.replicas : [];
  const acceptors = cluster.acceptors.map(
    (id): AcceptorProcess => new SimProcess('acceptor', id, roles.acceptor, { id, learners }),
  );
  const leaders = cluster.leaders.map(
    (id): LeaderProcess =>
      new SimProcess('leader', id, roles.leader, {
        id,
        cluster,
        ...SIM_LEADER_TIMINGS,
        replicasLearnFromAcceptors: learning,
      }),
  );
  // Even replicas keep one proposal in flight (the services' default), odd ones two, so every
  // run also covers pipelined proposals (PROPOSALS_IN_FLIGHT_MAX) meeting turns and gaps.
  const replicas = cluster.replicas.map(
    (id, i): ReplicaProcess =>
      new SimProcess('replica', id, roles.replica, {
        id,
        cluster,
        ...SIM_REPLICA_TIMINGS,
        ...(options.oversizedCommits ? OVERSIZED_REPLICA_BOUNDS : {}),
        proposalsInFlightMax: 1 + (i % 2),
      }),
  );
  const byId = new Map<string, AnyProcess>();
  for (const p of [...acceptors, ...leaders, ...replicas]) byId.set(p.id, p);
  const clients = Array.from({ length: options.clients }, (_, i) => `client-${i}`);
  return { cluster, clients, acceptors, leaders, replicas, byId };
}
