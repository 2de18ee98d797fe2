import { lowestFailingIndex } from '../../src/linearizability/lowest-failing';

/** [count, first failing index, guess, most probes allowed] */
const cases: Array<[string, number, number, number, number]> = [
  ['guess exactly right', 1000, 500, 500, 2],
  ['guess one too high', 1000, 500, 501, 4],
  ['guess one too low', 1000, 500, 499, 3],
  ['guess far too high', 1000, 3, 900, 22],
  ['guess far too low', 1000, 997, 2, 22],
  ['answer is the first index', 1000, 0, 0, 1],
  ['answer is the last index, guessed', 1000, 999, 999, 2],
  ['answer is the last index, guessed low', 1000, 999, 0, 22],
  ['a single index', 1, 0, 0, 1],
  ['guess out of range below', 50, 10, -5, 12],
  ['guess out of range above', 50, 10, 80, 12],
];

describe('lowestFailingIndex', () => {
  it.each(cases)('%s', (_name, count, answer, guess, maxProbes) => {
    const probed: number[] = [];
    const found = lowestFailingIndex(count, guess, (index) => {
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(count);
      probed.push(index);
      return index >= answer;
    });
    expect(found).toBe(answer);
    expect(probed.length).toBeLessThanOrEqual(maxProbes);
  });

  it('gives up as soon as a probe gives up', () => {
    expect(lowestFailingIndex(100, 50, () => undefined)).toBeUndefined();
  });

  it('finds the answer for every (answer, guess) pair of a small range', () => {
    for (let answer = 0; answer < 20; answer += 1) {
      for (let guess = 0; guess < 20; guess += 1) {
        expect(lowestFailingIndex(20, guess, (index) => index >= answer)).toBe(answer);
      }
    }
  });
});
