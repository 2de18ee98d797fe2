import type { Op } from '@paxos/shared';
import type { Prng } from '../random/prng';

/**
 * Random operations over a small key set, so that clients collide on keys all the time.
 * Values are unique per client and operation (`c2.5`): a linearizability violation then
 * shows up as a read of a value that no legal order could have produced.
 */
export function randomOp(rng: Prng, keyCount: number, clientIndex: number, opIndex: number): Op {
  const key = `k${rng.intBelow(keyCount)}`;
  const value = `c${clientIndex}.${opIndex}`;
  const roll = rng.intBelow(100);
  if (roll < 30) return { kind: 'get', key };
  if (roll < 60) return { kind: 'put', key, value };
  if (roll < 70) return { kind: 'delete', key };
  // cas expects one of the values some client may have written, or absence.
  const expected = rng.chance(0.3)
    ? null
    : `c${rng.intBelow(clientIndex + 1)}.${rng.intBelow(opIndex + 1)}`;
  return { kind: 'cas', key, expected, value };
}
