import { Prng } from '../../src/random/prng';

const draw = (rng: Prng, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Prng', () => {
  it('replays the same sequence for the same seed', () => {
    expect(draw(new Prng(42), 100)).toEqual(draw(new Prng(42), 100));
  });

  it('gives unrelated sequences for neighbouring seeds', () => {
    const a = draw(new Prng(1), 50);
    const b = draw(new Prng(2), 50);
    expect(a.filter((x, i) => x === b[i])).toHaveLength(0);
  });

  it('keeps intBelow, intBetween and nextFloat in range and spreads them', () => {
    const rng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = rng.intBelow(10);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(10);
      seen.add(n);
      const m = rng.intBetween(5, 8);
      expect(m).toBeGreaterThanOrEqual(5);
      expect(m).toBeLessThanOrEqual(8);
      const f = rng.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
    expect(seen.size).toBe(10);
  });

  it('hits chance(p) roughly p of the time, and never for p = 0', () => {
    const rng = new Prng(3);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (rng.chance(0.25)) hits++;
    expect(hits).toBeGreaterThan(2300);
    expect(hits).toBeLessThan(2700);
    expect(Array.from({ length: 100 }, () => rng.chance(0)).some(Boolean)).toBe(false);
  });

  it('derives forks deterministically, distinct per label', () => {
    const forkA = (): number[] => draw(new Prng(9).fork('network'), 20);
    expect(forkA()).toEqual(forkA());
    expect(draw(new Prng(9).fork('clients'), 20)).not.toEqual(forkA());
  });

  it('rejects empty ranges', () => {
    const rng = new Prng(1);
    expect(() => rng.intBelow(0)).toThrow(RangeError);
    expect(() => rng.pick([])).toThrow(RangeError);
  });
});
