import type { Bitset } from './bitset';
import type { KeyState } from './key-model';

interface Configuration {
  placed: Uint32Array;
  stateId: number;
}

/**
 * Lowe's memo: every (set of placed ops, value) the search has reached. From equal
 * configurations the search can only continue the same way, so reaching one twice is
 * pointless. Values are interned to small ids so the key is two numbers plus a tie-break.
 */
export class VisitedConfigurations {
  private readonly buckets = new Map<number, Configuration[]>();
  private readonly stateIds = new Map<KeyState, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Records the configuration; false if it was already there. */
  addIfNew(placed: Bitset, state: KeyState): boolean {
    const stateId = this.idOf(state);
    const hash = (placed.hash ^ Math.imul(stateId + 1, 0x9e3779b1)) >>> 0;
    const bucket = this.buckets.get(hash);
    if (bucket?.some((seen) => seen.stateId === stateId && placed.equals(seen.placed))) {
      return false;
    }
    const configuration = { placed: placed.snapshot(), stateId };
    if (bucket === undefined) this.buckets.set(hash, [configuration]);
    else bucket.push(configuration);
    this.count += 1;
    return true;
  }

  private idOf(state: KeyState): number {
    const known = this.stateIds.get(state);
    if (known !== undefined) return known;
    const id = this.stateIds.size;
    this.stateIds.set(state, id);
    return id;
  }
}
