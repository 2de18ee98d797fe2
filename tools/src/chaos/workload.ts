import type { KeyOp } from '@paxos/shared';

/**
 * The chaos clients' operations: puts on a key of each client's own (lost writes show there),
 * and get/put/cas on a few shared keys (where linearizability is tested). Values name their
 * writer and its count, so every written value is unique.
 */
export function chaosOp(
  random: () => number,
  o: { clients: number; sharedKeys: number },
): (client: number, n: number) => KeyOp {
  return (i, n) => {
    const r = random();
    if (r < 0.35) return { kind: 'put', key: `own-${i}`, value: `c${i}-${n}` };
    const key = `k${Math.floor(random() * o.sharedKeys)}`;
    if (r < 0.6) return { kind: 'get', key };
    if (r < 0.8) return { kind: 'put', key, value: `c${i}-${n}` };
    const expected =
      random() < 0.3
        ? null
        : `c${Math.floor(random() * o.clients)}-${Math.floor(random() * (n + 1))}`;
    return { kind: 'cas', key, expected, value: `c${i}-${n}` };
  };
}

/** Every key the workload touches. */
export function chaosKeys(o: { clients: number; sharedKeys: number }): string[] {
  return [
    ...Array.from({ length: o.clients }, (_, i) => `own-${i}`),
    ...Array.from({ length: o.sharedKeys }, (_, k) => `k${k}`),
  ];
}
