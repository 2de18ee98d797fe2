import type { Completions } from './workload';

/** The commands that came due in one slice of the open-loop window. */
export interface TimelineSlice {
  /** Start of the slice, seconds after the window opened. */
  fromSeconds: number;
  commands: number;
  p50Ms: number;
  maxMs: number;
}

/**
 * Latency by when each command came due (answer time minus latency), in slices of `sliceMs`:
 * a tail made of a few short backlogs shows up as a few bad slices, a slow system as all of them.
 */
export function latencyTimeline(
  c: Pick<Completions, 'atMs' | 'latencyMs'>,
  fromMs: number,
  toMs: number,
  sliceMs = 250,
): TimelineSlice[] {
  const slices = new Map<number, number[]>();
  for (let i = 0; i < c.atMs.length; i++) {
    const at = c.atMs[i]!;
    if (at < fromMs || at >= toMs) continue;
    const latency = c.latencyMs[i]!;
    const index = Math.max(0, Math.floor((at - latency - fromMs) / sliceMs));
    let list = slices.get(index);
    if (!list) slices.set(index, (list = []));
    list.push(latency);
  }
  return [...slices.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, latencies]) => {
      latencies.sort((a, b) => a - b);
      return {
        fromSeconds: (index * sliceMs) / 1000,
        commands: latencies.length,
        p50Ms: latencies[Math.ceil(latencies.length / 2) - 1]!,
        maxMs: latencies[latencies.length - 1]!,
      };
    });
}
