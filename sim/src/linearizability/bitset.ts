/**
 * Which operations are already linearized: half of the search's memo key. It keeps a
 * Zobrist-style hash (the XOR of a fixed pseudo-random word per member) up to date on every
 * change, so looking a configuration up costs O(1) unless hashes collide.
 */
export class Bitset {
  private readonly words: Uint32Array;
  private hashValue = 0;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  get hash(): number {
    return this.hashValue;
  }

  add(index: number): void {
    if (this.has(index)) return;
    this.flip(index);
  }

  remove(index: number): void {
    if (!this.has(index)) return;
    this.flip(index);
  }

  has(index: number): boolean {
    return ((this.words[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
  }

  snapshot(): Uint32Array {
    return this.words.slice();
  }

  equals(words: Uint32Array): boolean {
    if (words.length !== this.words.length) return false;
    for (let i = 0; i < words.length; i += 1) if (words[i] !== this.words[i]) return false;
    return true;
  }

  private flip(index: number): void {
    const word = index >>> 5;
    this.words[word] = (this.words[word] ?? 0) ^ (1 << (index & 31));
    this.hashValue = (this.hashValue ^ memberHash(index)) >>> 0;
  }
}

/** A fixed scramble of the index (murmur3's finaliser): deterministic, well spread. */
function memberHash(index: number): number {
  let h = (index + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
