import { violated } from './violation';

/**
 * Garbage collection is safe only below a slot every replica has applied: a replica that has
 * not applied slot s may still need its decision, and a leader may need the acceptors' pvalues
 * at s to get it decided (re-)proposed. Every horizon anyone acts on is checked against the
 * lowest slotOut of all replicas, as the replica checkers saw it (replicas are durable, so a
 * crash does not lower it): a leader's horizon, each collect message, each acceptor's
 * collectedBelow. Being late is fine; being ahead of any replica is the bug.
 */
export class GcChecker {
  /** The highest horizon any acceptor reached in this run (1: nothing collected). */
  highestCollected = 1;

  constructor(private readonly lowestApplied: () => { replicaId: string; slotOut: number }) {}

  onLeaderHorizon(leaderId: string, collectedBelow: number): void {
    this.check(collectedBelow, `${leaderId} dropped its state below ${collectedBelow}`);
  }

  onCollectSent(leaderId: string, belowSlot: number): void {
    this.check(belowSlot, `${leaderId} sent collect below ${belowSlot}`);
  }

  onAcceptorHorizon(acceptorId: string, collectedBelow: number): void {
    this.check(collectedBelow, `${acceptorId} collected below ${collectedBelow}`);
    this.highestCollected = Math.max(this.highestCollected, collectedBelow);
  }

  private check(horizon: number, what: string): void {
    if (horizon <= 1) return;
    const lowest = this.lowestApplied();
    if (horizon > lowest.slotOut) {
      violated(
        'gc-safe',
        `${what}, but ${lowest.replicaId} has applied only below ${lowest.slotOut}`,
      );
    }
  }
}
