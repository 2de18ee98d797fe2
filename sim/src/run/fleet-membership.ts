import type { Cluster } from '@paxos/shared';
import type { ClusterCheckers } from '../checkers/cluster-checkers';
import type { MemberRole, ReplicaProcess, SimCluster } from '../cluster/sim-cluster';
import { planCrashes, type FaultAction } from '../faults/fault-plan';
import type { Prng } from '../random/prng';
import type { OperatorView } from '../reconfiguration/operator';
import type { CrashRates } from './sim-options';
import type { SimStats } from './sim-result';

/**
 * Who is in the simulated fleet as reconfiguration changes it, and what the run counts of it:
 * the replicas clients send to, members stopped for good, replicas held down by the operator's
 * outage (with the collections they sat through and whether they came back behind the horizon
 * and caught up by snapshot), and the faults of members that join during the run. The
 * simulation carries out the changes (simulation.ts); this keeps their books.
 */
export class FleetMembership {
  /** Members that left the configuration and were stopped, never to restart. */
  readonly stopped = new Set<string>();
  /** Replicas the operator keeps down (their own restarts are ignored until the outage ends). */
  readonly heldDown = new Set<string>();
  /** Snapshots each replica installed in its current life (its counter restarts with it). */
  private readonly snapshotsSeen = new Map<string, number>();
  /** The horizon's rises counted when the outage of a replica began. */
  private readonly risesAtOutage = new Map<string, number>();
  /** Replicas back from an outage below the horizon, until they install a snapshot. */
  private readonly mustTransfer = new Set<string>();

  constructor(
    private readonly cluster: SimCluster,
    private readonly checkers: ClusterCheckers,
    private readonly rng: Prng,
    private readonly stats: SimStats,
    /** The replicas clients send to (the clients hold this very list): updated in place. */
    readonly clientReplicas: string[],
  ) {}

  /** What the operator sees: the log's configurations and the replicas' and leaders' progress. */
  operatorView(): OperatorView {
    const { checkers } = this;
    return {
      newestConfig: () => checkers.configs.newest,
      slotOutOf: (id) => this.durableSlotOut(id),
      horizonOfEpoch: (epoch) => checkers.gc.horizonOfEpoch.get(epoch) ?? 1,
      highestHorizon: () => checkers.gc.highestHorizon,
    };
  }

  /** The replicas of the newest configuration: those that must converge. */
  memberReplicas(): ReplicaProcess[] {
    const members = this.checkers.configs.newest.config.replicas;
    return this.cluster.replicas.filter((r) => members.includes(r.id));
  }

  setClientReplicas(ids: readonly string[]): void {
    this.clientReplicas.splice(0, this.clientReplicas.length, ...ids);
  }

  /** A new member's crashes and restarts, from now to the end of the fault phase. */
  crashesOf(
    kind: MemberRole,
    id: string,
    crashes: CrashRates,
    nowMs: number,
    faultPhaseMs: number,
  ): FaultAction[] {
    const meanUpMs = {
      acceptor: crashes.acceptorMeanUpMs,
      leader: crashes.leaderMeanUpMs,
      replica: crashes.replicaMeanUpMs,
    }[kind];
    return planCrashes(this.rng, id, meanUpMs, crashes, nowMs, faultPhaseMs);
  }

  /**
   * Members that joined during the run take part in partitions too: each is cut off with the
   * partition's members as often as an initial process would be (the partition's share of
   * `everyone`, the initial processes and the clients).
   */
  joinersOfPartition(size: number, everyone: number): string[] {
    const initial = this.cluster.cluster;
    const joiners = [...this.cluster.byId.keys()].filter(
      (id) => !this.stopped.has(id) && !isInitialMember(initial, id),
    );
    return joiners.filter(() => this.rng.chance(size / everyone));
  }

  stop(id: string): void {
    this.stopped.add(id);
    this.heldDown.delete(id);
    this.checkers.memberStopped(id);
  }

  outageBegins(id: string): void {
    this.heldDown.add(id);
    this.risesAtOutage.set(id, this.checkers.gc.horizonRises);
  }

  /** False if `id` was not held down (the outage ended already, at the heal). */
  outageEnds(id: string): boolean {
    if (!this.heldDown.delete(id)) return false;
    this.stats.outageCollections +=
      this.checkers.gc.horizonRises - (this.risesAtOutage.get(id) ?? 0);
    if (this.checkers.gc.highestHorizon > this.durableSlotOut(id)) {
      this.stats.outagesBehindHorizon++;
      this.mustTransfer.add(id);
    }
    return true;
  }

  lifeBegins(id: string): void {
    this.snapshotsSeen.set(id, 0);
  }

  /** Snapshots installed by state transfer, from the replica's counter. */
  countSnapshots(id: string, installed: number): void {
    const seen = this.snapshotsSeen.get(id) ?? 0;
    if (installed <= seen) return;
    this.stats.snapshotsInstalled += installed - seen;
    if (this.mustTransfer.delete(id)) this.stats.outagesCaughtUpBySnapshot++;
    this.snapshotsSeen.set(id, installed);
  }

  private durableSlotOut(id: string): number {
    return this.checkers.replicaCheckers.get(id)?.appliedSlotOut ?? 1;
  }
}

function isInitialMember(initial: Cluster, id: string): boolean {
  return (
    initial.acceptors.includes(id) || initial.leaders.includes(id) || initial.replicas.includes(id)
  );
}
