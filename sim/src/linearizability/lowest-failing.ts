/**
 * The smallest index in [0, count) at which a monotone test (false ... false true ... true)
 * is true, assuming it is true at count - 1. Probing starts at `guess` and gallops away from
 * it in doubling strides until the answer is bracketed, then bisects; a guess that is right,
 * or close, costs a few probes instead of log2(count). Undefined if a probe gives up.
 */
export function lowestFailingIndex(
  count: number,
  guess: number,
  fails: (index: number) => boolean | undefined,
): number | undefined {
  let passing = -1;
  let failing = count - 1;
  const start = Math.min(Math.max(guess, 0), failing);
  const atStart = fails(start);
  if (atStart === undefined) return undefined;

  let stride = 1;
  if (atStart) {
    failing = start;
    for (let probe = failing - stride; probe > passing; probe = failing - stride) {
      const verdict = fails(probe);
      if (verdict === undefined) return undefined;
      if (!verdict) {
        passing = probe;
        break;
      }
      failing = probe;
      stride *= 2;
    }
  } else {
    passing = start;
    for (let probe = passing + stride; probe < failing; probe = passing + stride) {
      const verdict = fails(probe);
      if (verdict === undefined) return undefined;
      if (verdict) {
        failing = probe;
        break;
      }
      passing = probe;
      stride *= 2;
    }
  }

  while (failing - passing > 1) {
    const middle = (passing + failing) >>> 1;
    const verdict = fails(middle);
    if (verdict === undefined) return undefined;
    if (verdict) failing = middle;
    else passing = middle;
  }
  return failing;
}
