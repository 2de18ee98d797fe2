import { type KvStore, type KeyOp, applyOp } from '@paxos/shared';
import { type HistoryOperation, checkLinearizable } from '../../src/linearizability';
import { isLinearizableByBruteForce } from './brute-force-oracle';
import { seededRandom } from './simulated-store';

const SEED = 7;
const HISTORIES = 3_000;

/**
 * Tiny histories over two keys and two values, so that repeated values, pending twins,
 * touching intervals and cas races all turn up often. Replies come from a random order of
 * linearization points (so many histories are fine), then half get one reply scrambled.
 */
function tinyHistory(random: () => number): HistoryOperation[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const values = ['a', 'b'] as const;
  const count = 1 + Math.floor(random() * 6);
  const planned = Array.from({ length: count }, (_, index) => {
    const key = pick(['x', 'x', 'y']);
    const input: KeyOp = pick<KeyOp>([
      { kind: 'get', key },
      { kind: 'put', key, value: pick(values) },
      { kind: 'delete', key },
      { kind: 'cas', key, expected: pick([null, ...values]), value: pick(values) },
    ]);
    const call = Math.floor(random() * 8);
    const ret = call + Math.floor(random() * 5);
    const point = call + random() * (ret - call);
    const fate = random();
    return { index, input, call, ret, point, pending: fate < 0.25, appliedIfPending: fate < 0.12 };
  });
  const store: KvStore = new Map();
  const history: HistoryOperation[] = new Array<HistoryOperation>(count);
  for (const op of [...planned].sort((a, b) => a.point - b.point)) {
    if (op.pending) {
      if (op.appliedIfPending) applyOp(store, op.input);
      history[op.index] = {
        clientId: `c${op.index}`,
        input: op.input,
        call: op.call,
        output: null,
        return: null,
      };
    } else {
      const output = applyOp(store, op.input);
      history[op.index] = {
        clientId: `c${op.index}`,
        input: op.input,
        call: op.call,
        output,
        return: op.ret,
      };
    }
  }
  const victim = history[Math.floor(random() * count)];
  if (random() < 0.5 && victim?.output) {
    victim.output = { ok: random() < 0.7, value: pick([null, ...values]) };
  }
  return history;
}

describe(`checkLinearizable agrees with brute force on ${HISTORIES} tiny histories (seed ${SEED})`, () => {
  it('gives the same verdict on every one', () => {
    const random = seededRandom(SEED);
    const verdicts = { linearizable: 0, not: 0 };
    for (let round = 0; round < HISTORIES; round += 1) {
      const history = tinyHistory(random);
      const expected = isLinearizableByBruteForce(history);
      const actual = checkLinearizable(history).linearizable;
      if (actual !== expected) {
        throw new Error(
          `round ${round}: expected ${expected}, got ${String(actual)} for\n${JSON.stringify(history, null, 1)}`,
        );
      }
      verdicts[expected ? 'linearizable' : 'not'] += 1;
    }
    // Both verdicts must be common, or the comparison proves little.
    expect(verdicts.linearizable).toBeGreaterThan(HISTORIES / 5);
    expect(verdicts.not).toBeGreaterThan(HISTORIES / 5);
  });
});
