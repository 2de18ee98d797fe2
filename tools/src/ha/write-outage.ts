/**
 * How long a failover stopped the writes, from the times the clients' commands were
 * acknowledged: the longest stretch without an acknowledgement from the last one before the
 * kill to the first one after the new primary was promoted. Acknowledgements between the kill
 * and the promotion are commands committed before the kill and answered just after; they do
 * not end the outage, the gap after them is still counted.
 */
export interface WriteOutage {
  /** The longest stretch with no command acknowledged. */
  outageMs: number;
  /** The last acknowledgement before that stretch, and the first after it. */
  fromMs: number;
  toMs: number;
}

export function writeOutage(
  acknowledgedAt: readonly number[],
  killedAtMs: number,
  promotedAtMs: number,
): WriteOutage | null {
  const sorted = [...acknowledgedAt].sort((x, y) => x - y);
  const firstAfter = sorted.findIndex((t) => t > promotedAtMs);
  if (firstAfter < 0) return null;
  let start = firstAfter;
  while (start > 0 && sorted[start - 1]! > killedAtMs) start--;
  // The last acknowledgement before the kill opens the window (the kill itself if there was none).
  const times =
    start > 0
      ? sorted.slice(start - 1, firstAfter + 1)
      : [killedAtMs, ...sorted.slice(0, firstAfter + 1)];
  let best: WriteOutage = { outageMs: -1, fromMs: 0, toMs: 0 };
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > best.outageMs) best = { outageMs: gap, fromMs: times[i - 1]!, toMs: times[i]! };
  }
  return best;
}
