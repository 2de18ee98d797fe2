import { majorityOf } from '@paxos/shared';
import { violated } from './violation';

/** What the GC checker reads of the run: ground truth, not what any role believes. */
export interface GcFacts {
  /** The highest slotOut a replica ever reached (replicas are durable: it survives crashes). */
  durableSlotOut(replicaId: string): number;
  /** The replicas of every configuration the log made so far, by epoch. */
  configurations(): ReadonlyArray<readonly string[]>;
  /** Replicas still holding their state: every one ever started but those stopped for good. */
  keptReplicas(): readonly string[];
  /** How many replicas the newest configuration the log made has. */
  newestReplicaCount(): number;
}

/**
 * Garbage collection is safe only below slots that enough replicas hold durably: a replica
 * below the horizon can no longer learn those slots from decisions or pvalues, only from
 * another replica's snapshot (state transfer), so one must exist, and the fleet must keep it
 * through the failures it is sized for. Two rules, on ground truth (the highest slotOut each
 * replica ever reached, which is durable), never on what a leader was told:
 *
 * - justified: a horizon is at most the slot that f+1 of 2f+1 replicas of some configuration
 *   have applied (majorityOf(n) of n: with two, both). This is the roles' rule, as the leaders
 *   of a configuration apply it to their replicas' reports; a horizon then travels (acceptors
 *   report it in p1b and p2b, and leaders of other configurations adopt it), so it is judged
 *   against every configuration the log made, not the one of whoever acts on it. Checked on
 *   the facts, it catches a leader counting too few replicas (or one), a forged or misread
 *   report, a horizon made up.
 * - kept: at every moment the highest horizon acted on anywhere (a leader's, a collect's, an
 *   acceptor's) is held by f+1 of the replicas that still have their state, where the newest
 *   configuration's n replicas ride out f = floor((n - 1) / 2) failures; checked whenever a
 *   horizon rises and whenever a replica is stopped for good. It is what makes reconfiguration
 *   safe: while a configuration hands over, a horizon justified by the old configuration may be
 *   held by a member that is leaving, so a leaving replica may only be stopped once the
 *   replicas staying hold the horizon, and no horizon may run ahead of what they keep. (It is
 *   f+1, not a majority: growing from three replicas to four keeps f = 1, and the old
 *   configuration's two holders are as durable as the new one's three would be.)
 *
 * The tempting single rule "at most what f+1 of the newest configuration's replicas hold, when
 * the horizon is set" is wrong both ways: during a handover the old configuration's majority,
 * leaving member included, rightly justifies a horizon the newest configuration's majority does
 * not hold yet (nothing is lost: the leaving member still holds it, and is not stopped until the
 * staying ones catch up by state transfer); and it says nothing about stopping a member.
 *
 * Being late is always fine; being ahead is the bug.
 */
export class GcChecker {
  /** The highest horizon any acceptor reached in this run (1: nothing collected). */
  highestCollected = 1;
  /** The highest horizon acted on anywhere: a leader's, a collect's or an acceptor's. */
  highestHorizon = 1;
  /** How many times highestHorizon rose: the collections of the run. */
  horizonRises = 0;
  /** The highest horizon of each configuration's leaders, by epoch. */
  readonly horizonOfEpoch = new Map<number, number>();
  /** The horizon last checked per leader and epoch: only a rise needs checking. */
  private readonly checked = new Map<string, number>();

  constructor(private readonly facts: GcFacts) {}

  onLeaderHorizon(leaderId: string, epoch: number, collectedBelow: number): void {
    const key = `${leaderId}@${epoch}`;
    if (collectedBelow <= (this.checked.get(key) ?? 1)) return;
    this.checked.set(key, collectedBelow);
    const known = this.horizonOfEpoch.get(epoch) ?? 1;
    if (collectedBelow > known) this.horizonOfEpoch.set(epoch, collectedBelow);
    this.raise(
      collectedBelow,
      `${leaderId} dropped its state of epoch ${epoch} below ${collectedBelow}`,
    );
  }

  onCollectSent(leaderId: string, belowSlot: number): void {
    this.raise(belowSlot, `${leaderId} sent collect below ${belowSlot}`);
  }

  onAcceptorHorizon(acceptorId: string, collectedBelow: number): void {
    this.highestCollected = Math.max(this.highestCollected, collectedBelow);
    this.raise(collectedBelow, `${acceptorId} collected below ${collectedBelow}`);
  }

  /** A replica was stopped for good (it left the configuration): the rest must hold the horizon. */
  onReplicaStopped(replicaId: string): void {
    this.checkKept(this.highestHorizon, `${replicaId} stopped for good`);
  }

  /**
   * Below the highest horizon, "kept" was checked when it was reached; since then replicas
   * only apply more, and a stop checks again.
   */
  private raise(horizon: number, what: string): void {
    if (horizon <= this.highestHorizon) return;
    this.checkJustified(horizon, what);
    this.checkKept(horizon, what);
    this.highestHorizon = horizon;
    this.horizonRises++;
  }

  private checkJustified(horizon: number, what: string): void {
    const configurations = this.facts.configurations();
    const justified = configurations.some(
      (replicas) => holdersOf(replicas, horizon, this.facts) >= majorityOf(replicas.length),
    );
    if (!justified) {
      const each = configurations
        .map((replicas, epoch) => `epoch ${epoch}: ${describeSlotOuts(replicas, this.facts)}`)
        .join('; ');
      violated(
        'gc-safe',
        `${what}, but no configuration has a majority of its replicas past it (${each})`,
      );
    }
  }

  private checkKept(horizon: number, what: string): void {
    if (horizon <= 1) return;
    const kept = this.facts.keptReplicas();
    const needed = Math.floor((this.facts.newestReplicaCount() - 1) / 2) + 1;
    const holders = holdersOf(kept, horizon, this.facts);
    if (holders < needed) {
      violated(
        'gc-safe',
        `${what}, but of the replicas keeping their state (${describeSlotOuts(kept, this.facts)}) ` +
          `only ${holders} have applied below ${horizon}, ${needed} needed`,
      );
    }
  }
}

/** How many of `replicas` have durably applied every slot below `horizon`. */
function holdersOf(replicas: readonly string[], horizon: number, facts: GcFacts): number {
  return replicas.filter((r) => facts.durableSlotOut(r) >= horizon).length;
}

function describeSlotOuts(replicas: readonly string[], facts: GcFacts): string {
  return replicas.map((r) => `${r} at ${facts.durableSlotOut(r)}`).join(', ');
}
