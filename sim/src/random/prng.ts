/**
 * The simulator's only source of randomness: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator), 32-bit, seeded through splitmix32 so that nearby seeds (1, 2, 3 ...)
 * start from unrelated states. Math.random is never used: one seed must replay one run.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const mix = splitmix32(seed >>> 0);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    // The authors recommend discarding the first outputs so the state is well stirred.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  intBelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`intBelow needs n >= 1, got ${n}`);
    return Math.floor(this.nextFloat() * n);
  }

  /** Uniform integer in [min, max], both included. */
  intBetween(min: number, max: number): number {
    if (max < min) throw new RangeError(`intBetween: max ${max} < min ${min}`);
    return min + this.intBelow(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.nextFloat() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.intBelow(items.length)] as T;
  }

  /**
   * An independent stream named `label`, derived from this generator's seed material.
   * Giving each subsystem (network, clients, faults) its own stream keeps one subsystem's
   * draws from shifting every other subsystem's choices when it changes.
   */
  fork(label: string): Prng {
    let h = this.nextUint32();
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}
