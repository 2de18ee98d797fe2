import { acceptorRole, type AcceptorConfig, type AcceptorState } from '@paxos/acceptor';
import { leaderProcessRole, type LeaderConfig, type LeaderProcessState } from '@paxos/leader';
import { replicaRole, type ReplicaConfig, type ReplicaState } from '@paxos/replica';
import { LIMITS, namedProcesses, type Cluster, type Role } from '@paxos/shared';
import { SimProcess } from './sim-process';
import type { SimOptions } from '../run/sim-options';

export type AcceptorProcess = SimProcess<'acceptor', AcceptorState, AcceptorConfig>;
export type LeaderProcess = SimProcess<'leader', LeaderProcessState, LeaderConfig>;
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
 * broken one to show the checkers catch it. A leader is the leader service's process: one
 * PMMC leader per configuration it serves (leader-process.ts).
 */
export interface SimRoles {
  acceptor: Role<AcceptorState, AcceptorConfig>;
  leader: Role<LeaderProcessState, LeaderConfig>;
  replica: Role<ReplicaState, ReplicaConfig>;
}

export const REAL_ROLES: SimRoles = {
  acceptor: acceptorRole,
  leader: leaderProcessRole,
  replica: replicaRole,
};

export type MemberRole = AnyProcess['kind'];

/**
 * The simulated fleet. `cluster` is the initial configuration, which every process, a new
 * member too, is started with (later configurations come from the log). The process lists
 * grow when members join (reconfiguration.ts); a member stopped for good stays in them, down.
 */
export interface SimCluster {
  cluster: Cluster;
  clients: string[];
  acceptors: AcceptorProcess[];
  leaders: LeaderProcess[];
  replicas: ReplicaProcess[];
  byId: Map<string, AnyProcess>;
  /** Makes a new member's process (not started): a new id, the initial role configuration. */
  newMember(kind: MemberRole, id: string, joinFrom: readonly string[]): AnyProcess;
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
  const newAcceptor = (id: string): AcceptorProcess =>
    new SimProcess('acceptor', id, roles.acceptor, { id, learners });
  const newLeader = (id: string): LeaderProcess =>
    new SimProcess('leader', id, roles.leader, {
      id,
      cluster,
      ...SIM_LEADER_TIMINGS,
      replicasLearnFromAcceptors: learning,
    });
  // Even replicas keep one proposal in flight (the services' default), odd ones two, so every
  // run also covers pipelined proposals (PROPOSALS_IN_FLIGHT_MAX) meeting turns and gaps.
  const newReplica = (id: string, index: number, joinFrom?: readonly string[]): ReplicaProcess =>
    new SimProcess('replica', id, roles.replica, {
      id,
      cluster,
      ...SIM_REPLICA_TIMINGS,
      ...(options.oversizedCommits ? OVERSIZED_REPLICA_BOUNDS : {}),
      proposalsInFlightMax: 1 + (index % 2),
      ...(joinFrom ? { joinFrom: [...joinFrom] } : {}),
    });
  const acceptors = cluster.acceptors.map(newAcceptor);
  const leaders = cluster.leaders.map(newLeader);
  const replicas = cluster.replicas.map((id, i) => newReplica(id, i));
  const byId = new Map<string, AnyProcess>();
  for (const p of [...acceptors, ...leaders, ...replicas]) byId.set(p.id, p);
  const clients = Array.from({ length: options.clients }, (_, i) => `client-${i}`);
  const newMember = (kind: MemberRole, id: string, joinFrom: readonly string[]): AnyProcess => {
    if (byId.has(id)) throw new Error(`${id} exists already: a new member takes a new id`);
    let p: AnyProcess;
    if (kind === 'acceptor') acceptors.push((p = newAcceptor(id)));
    else if (kind === 'leader') leaders.push((p = newLeader(id)));
    else replicas.push((p = newReplica(id, replicas.length, joinFrom)));
    byId.set(id, p);
    return p;
  };
  return { cluster, clients, acceptors, leaders, replicas, byId, newMember };
}
