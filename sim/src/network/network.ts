import type { Prng } from '../random/prng';
import type { LinkFaults, LinkTiming } from '../run/sim-options';

/**
 * The links between simulated processes. `deliveryDelays` decides, when a message is sent,
 * how many copies arrive (0 = dropped, 2 = duplicated) and after how long each; independent
 * delays are what reorder messages. Partitions are checked at delivery time, so a message
 * already in flight when a partition starts is lost too.
 */
export class Network {
  private faultsOn = true;
  private readonly partitions = new Map<number, ReadonlySet<string>>();

  constructor(
    private readonly rng: Prng,
    private readonly faults: LinkFaults,
    private readonly timing: LinkTiming,
  ) {}

  /** After healing: no drops, no duplicates, no partitions (delays and reordering stay). */
  heal(): void {
    this.faultsOn = false;
    this.partitions.clear();
  }

  get faulty(): boolean {
    return this.faultsOn;
  }

  deliveryDelays(from: string, to: string): number[] {
    if (this.faultsOn && from !== to && this.rng.chance(this.faults.dropProbability)) return [];
    const copies = this.faultsOn && this.rng.chance(this.faults.duplicateProbability) ? 2 : 1;
    const delays: number[] = [];
    for (let i = 0; i < copies; i++) delays.push(this.delayMs());
    return delays;
  }

  private delayMs(): number {
    const { minDelayMs, maxDelayMs, slowDelayMaxMs } = this.timing;
    if (this.rng.chance(this.faults.slowProbability)) {
      return this.rng.intBetween(maxDelayMs, slowDelayMaxMs);
    }
    return this.rng.intBetween(minDelayMs, maxDelayMs);
  }

  /** Cuts `members` off from every process outside the set. */
  startPartition(id: number, members: ReadonlySet<string>): void {
    if (this.faultsOn) this.partitions.set(id, members);
  }

  endPartition(id: number): void {
    this.partitions.delete(id);
  }

  isCut(from: string, to: string): boolean {
    for (const members of this.partitions.values()) {
      if (members.has(from) !== members.has(to)) return true;
    }
    return false;
  }
}
