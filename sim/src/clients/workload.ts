import type { KeyOp } from '@paxos/shared';
import type { Prng } from '../random/prng';
import { longKey, valueAtLimit, valueOverLimit, withUnstorableChar } from './hostile-values';

/**
 * Random operations over a small key set, so that clients collide on keys all the time.
 * Values are unique per client and operation (`c2.5`): a linearizability violation then
 * shows up as a read of a value that no legal order could have produced.
 */
export function randomOp(rng: Prng, keyCount: number, clientIndex: number, opIndex: number): KeyOp {
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

/** What the client API boundary should say to a hostile operation. */
export type HostileKind =
  | 'unstorable-key'
  | 'unstorable-value'
  | 'value-over-limit'
  | 'cas-over-body-limit'
  | 'value-at-limit'
  | 'long-key';

/**
 * The operations of a hostile client: more than one in three is hostile. Unstorable characters and
 * values over the limit must be refused at the boundary (400), a cas carrying two values at the
 * limit is over the body limit (413); values at the limit and keys at their length limit are
 * valid and must go through the whole cluster (and may meet the store's quota).
 */
export function hostileOp(
  rng: Prng,
  keyCount: number,
  clientIndex: number,
  opIndex: number,
): { op: KeyOp; hostile: HostileKind | null } {
  const op = randomOp(rng, keyCount, clientIndex, opIndex);
  const tag = `c${clientIndex}.${opIndex}`;
  const roll = rng.intBelow(100);
  if (roll < 6)
    return { op: { ...op, key: withUnstorableChar(rng, op.key) }, hostile: 'unstorable-key' };
  if (roll < 12) {
    const value = withUnstorableChar(rng, tag);
    return { op: { kind: 'put', key: op.key, value }, hostile: 'unstorable-value' };
  }
  if (roll < 15) {
    return {
      op: { kind: 'put', key: op.key, value: valueOverLimit(rng, `${tag}|`) },
      hostile: 'value-over-limit',
    };
  }
  if (roll < 17) {
    const expected = valueAtLimit(rng, `${tag}?|`);
    const value = valueAtLimit(rng, `${tag}|`);
    return { op: { kind: 'cas', key: op.key, expected, value }, hostile: 'cas-over-body-limit' };
  }
  if (roll < 33) {
    const value = valueAtLimit(rng, `${tag}|`);
    const big: KeyOp = op.kind === 'cas' ? { ...op, value } : { kind: 'put', key: op.key, value };
    return { op: big, hostile: 'value-at-limit' };
  }
  if (roll < 37) {
    const key = longKey(clientIndex);
    return { op: { ...op, key }, hostile: 'long-key' };
  }
  return { op, hostile: null };
}
