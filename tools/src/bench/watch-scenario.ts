import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchArgs } from './args';
import { configurationNamed, DEFAULT_FLEET_CONFIGURATION } from './configurations';
import { fleetRunners } from './fleet-runner';
import { startFleetTarget } from './fleet-target';
import { startClosedLoop } from './workload';

/**
 * `npm run bench -- --watch-scenario`: what watchers cost a replica's step (issue 20's bound:
 * with 100 watchers, the p99 step time grows by at most 10 %). The default fleet under the
 * closed-loop load; 100 GET /watch feeds (prefix "", every change) on the first replica are
 * opened and closed in turn, phase after phase, so both conditions see the same load and the
 * same drift. The step time is the replica's paxos_step_duration_seconds histogram, summed per
 * condition over its phases; p99 is interpolated within the histogram's buckets (1, 2, 5 ms,
 * ...), so it is coarse: the mean step time is printed beside it.
 */

const WATCHERS = 100;
const PHASES = 6;

type Buckets = Map<number, number>;

/** The cumulative `le` buckets of the step histogram, summed over its label sets. */
async function stepBuckets(
  port: number,
): Promise<{ buckets: Buckets; sum: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets: Buckets = new Map();
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('paxos_step_duration_seconds_bucket')) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    } else if (line.startsWith('paxos_step_duration_seconds_sum')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    } else if (line.startsWith('paxos_step_duration_seconds_count')) {
      count += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return { buckets, sum, count };
}

/** The q-quantile of cumulative buckets, interpolated linearly within its bucket (seconds). */
export function histogramQuantile(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return lower;
      return lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

/** `n` feeds that read and drop everything; returns how to close them and the bytes read. */
function openWatchers(port: number, n: number): { close: () => void; bytes: () => number } {
  let bytes = 0;
  const requests = Array.from({ length: n }, () =>
    http.get({ host: '127.0.0.1', port, path: '/watch?prefix=' }, (res) => {
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('error', () => undefined);
    }),
  );
  for (const r of requests) r.on('error', () => undefined);
  return { close: () => requests.forEach((r) => r.destroy()), bytes: () => bytes };
}

export async function runWatchScenario(
  args: BenchArgs,
  o: { workDir: string; log: (line: string) => void },
): Promise<void> {
  const configuration = configurationNamed(DEFAULT_FLEET_CONFIGURATION);
  const target = await startFleetTarget(configuration, {
    basePort: args.basePort,
    workDir: o.workDir,
    log: o.log,
  });
  try {
    const replica = target.roles.find((r) => r.kind === 'replica')!;
    const load = startClosedLoop({
      clients: args.clients,
      runners: fleetRunners(target.replicaUrls),
      keys: args.keys,
      readRatio: args.readRatio,
    });
    await sleep(args.warmupSeconds * 1000);
    const phaseMs = (args.seconds * 1000) / PHASES;
    const totals = { 0: emptyTotals(), [WATCHERS]: emptyTotals() } as Record<number, Totals>;
    for (let phase = 0; phase < PHASES; phase++) {
      const watchers = phase % 2 === 0 ? 0 : WATCHERS;
      const feeds = watchers > 0 ? openWatchers(replica.port, watchers) : null;
      await sleep(500); // the feeds connect (or close) before the phase is measured
      const before = await stepBuckets(replica.port);
      await sleep(phaseMs);
      const after = await stepBuckets(replica.port);
      const read = feeds?.bytes() ?? 0;
      feeds?.close();
      addDelta(totals[watchers]!, before, after);
      o.log(
        `[watch] phase ${phase + 1}/${PHASES}: ${watchers} watchers, ${after.count - before.count} steps` +
          (feeds ? `, ${(read / 1e6).toFixed(1)} MB of events read` : ''),
      );
    }
    await load.stop();
    const p99 = (w: number) => histogramQuantile(totals[w]!.buckets, 0.99) * 1000;
    const mean = (w: number) => (totals[w]!.sum / Math.max(1, totals[w]!.count)) * 1000;
    const commands = load.completions.latencyMs.length;
    console.log(
      '\nWatchers and the replica step time (the first replica; same load, phases interleaved)',
    );
    console.log(`  watchers  steps    p99 step ms  mean step ms`);
    for (const w of [0, WATCHERS]) {
      console.log(
        `  ${String(w).padEnd(8)}  ${String(totals[w]!.count).padEnd(7)}  ${p99(w).toFixed(3).padEnd(11)}  ${mean(w).toFixed(3)}`,
      );
    }
    console.log(
      `  p99 ratio ${WATCHERS}/0 watchers: ${(p99(WATCHERS) / Math.max(1e-9, p99(0))).toFixed(3)}` +
        ` (bound 1.10); mean ratio ${(mean(WATCHERS) / Math.max(1e-9, mean(0))).toFixed(3)};` +
        ` ${commands} commands in ${args.seconds} s`,
    );
  } finally {
    await target.stop();
  }
}

interface Totals {
  buckets: Buckets;
  sum: number;
  count: number;
}

const emptyTotals = (): Totals => ({ buckets: new Map(), sum: 0, count: 0 });

function addDelta(
  into: Totals,
  before: { buckets: Buckets; sum: number; count: number },
  after: { buckets: Buckets; sum: number; count: number },
): void {
  for (const [bound, count] of after.buckets) {
    into.buckets.set(
      bound,
      (into.buckets.get(bound) ?? 0) + count - (before.buckets.get(bound) ?? 0),
    );
  }
  into.sum += after.sum - before.sum;
  into.count += after.count - before.count;
}
