import type { Prng } from '../random/prng';
import type { CrashRates, OutageTiming, PartitionRates } from '../run/sim-options';

/**
 * The faults of one run, drawn up front from the seed: every process gets its own crash and
 * restart times, and partitions cut random groups off for a while. Nothing here happens after
 * `faultPhaseMs`; at that point the run heals (restarts whoever is down, ends partitions).
 */
export type FaultAction =
  | { kind: 'crash'; atMs: number; processId: string }
  | { kind: 'restart'; atMs: number; processId: string }
  | { kind: 'partition-start'; atMs: number; partitionId: number; members: string[] }
  | { kind: 'partition-end'; atMs: number; partitionId: number };

export interface FaultPlanInput {
  acceptors: readonly string[];
  leaders: readonly string[];
  replicas: readonly string[];
  clients: readonly string[];
  faultPhaseMs: number;
  crashes: CrashRates;
  partitions: PartitionRates;
  /** One replica down for a long stretch (null: none this seed). */
  longOutage: OutageTiming | null;
}

export function planFaults(rng: Prng, input: FaultPlanInput): FaultAction[] {
  const actions: FaultAction[] = [];
  const { crashes } = input;
  const roles: Array<[readonly string[], number]> = [
    [input.acceptors, crashes.acceptorMeanUpMs],
    [input.leaders, crashes.leaderMeanUpMs],
    [input.replicas, crashes.replicaMeanUpMs],
  ];
  for (const [processes, meanUpMs] of roles) {
    for (const processId of processes) {
      actions.push(...planCrashes(rng, processId, meanUpMs, crashes, 0, input.faultPhaseMs));
    }
  }
  if (input.longOutage !== null) {
    const withOutage = longOutage(rng, actions, input, input.longOutage);
    actions.splice(0, actions.length, ...withOutage);
  }
  const everyone = [...input.acceptors, ...input.leaders, ...input.replicas, ...input.clients];
  let partitionId = 0;
  let t = exponential(rng, input.partitions.meanGapMs);
  while (t < input.faultPhaseMs) {
    const members = randomGroup(rng, everyone);
    const durationMs = rng.intBetween(
      input.partitions.minDurationMs,
      input.partitions.maxDurationMs,
    );
    actions.push({ kind: 'partition-start', atMs: t, partitionId, members });
    actions.push({ kind: 'partition-end', atMs: t + durationMs, partitionId });
    partitionId++;
    t += exponential(rng, input.partitions.meanGapMs);
  }
  return actions.sort((a, b) => a.atMs - b.atMs);
}

/**
 * The crashes and restarts of one process from `fromMs` to the end of the fault phase: up for
 * an exponentially distributed time around `meanUpMs`, then down for a while. A member that
 * joins during the run gets its own from the moment it starts.
 */
export function planCrashes(
  rng: Prng,
  processId: string,
  meanUpMs: number,
  crashes: CrashRates,
  fromMs: number,
  faultPhaseMs: number,
): FaultAction[] {
  const actions: FaultAction[] = [];
  let t = fromMs + exponential(rng, meanUpMs);
  while (t < faultPhaseMs) {
    actions.push({ kind: 'crash', atMs: t, processId });
    const downMs = rng.intBetween(crashes.minDownMs, crashes.maxDownMs);
    // A restart past the fault phase is left to the heal, which restarts everyone.
    if (t + downMs < faultPhaseMs) actions.push({ kind: 'restart', atMs: t + downMs, processId });
    t += downMs + exponential(rng, meanUpMs);
  }
  return actions;
}

/**
 * One replica goes down for a long stretch (the garbage-collection horizon stops while it is
 * down, so acceptors keep every pvalue and phase-1 replies grow): its own crashes and restarts
 * inside the stretch are dropped, so nothing brings it back early. Past the fault phase the heal
 * restarts it.
 */
function longOutage(
  rng: Prng,
  actions: readonly FaultAction[],
  input: FaultPlanInput,
  timing: OutageTiming,
): FaultAction[] {
  const processId = rng.pick(input.replicas);
  const fromMs = rng.intBetween(1, timing.startSpreadMs);
  const toMs = fromMs + rng.intBetween(timing.minDownMs, timing.maxDownMs);
  const inside = (a: FaultAction): boolean =>
    (a.kind === 'crash' || a.kind === 'restart') &&
    a.processId === processId &&
    a.atMs >= fromMs &&
    a.atMs <= toMs;
  const kept = actions.filter((a) => !inside(a));
  kept.push({ kind: 'crash', atMs: fromMs, processId });
  if (toMs < input.faultPhaseMs) kept.push({ kind: 'restart', atMs: toMs, processId });
  return kept;
}

/** Whole milliseconds, at least 1, exponentially distributed around `meanMs`. */
function exponential(rng: Prng, meanMs: number): number {
  return Math.max(1, Math.round(-Math.log(1 - rng.nextFloat()) * meanMs));
}

/** A non-empty proper subset, mostly small: isolating one or two processes is the usual case. */
function randomGroup(rng: Prng, everyone: readonly string[]): string[] {
  const size = Math.min(everyone.length - 1, 1 + rng.intBelow(Math.max(1, everyone.length >> 1)));
  const pool = [...everyone];
  const group: string[] = [];
  for (let i = 0; i < size; i++) {
    const index = rng.intBelow(pool.length);
    group.push(pool[index] as string);
    pool.splice(index, 1);
  }
  return group.sort();
}
