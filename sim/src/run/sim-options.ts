import type { BrokenVariant } from '../broken/variant-names';
import type { ReconfigureMode } from '../reconfiguration/plan';

/**
 * Everything that shapes one simulated run besides the seed. Defaults are tuned so that
 * 500 seeds finish in a few minutes on a small machine, every fault kind fires many times
 * per seed, and the clients keep working through the whole fault phase and past the heal
 * (about a quarter of the operations start after it).
 */
export interface LinkFaults {
  /** Chance a sent message is lost (a consumer crashing between consume and commit). */
  dropProbability: number;
  /** Chance a sent message is delivered twice (at-least-once delivery). */
  duplicateProbability: number;
  /** Chance a message takes the slow path, which is what reorders messages. */
  slowProbability: number;
}

export interface LinkTiming {
  minDelayMs: number;
  maxDelayMs: number;
  /** Upper bound of a slow message's delay. */
  slowDelayMaxMs: number;
}

/** Mean time between crashes of one process, per role, during the fault phase. */
export interface CrashRates {
  acceptorMeanUpMs: number;
  leaderMeanUpMs: number;
  replicaMeanUpMs: number;
  minDownMs: number;
  maxDownMs: number;
}

export interface PartitionRates {
  meanGapMs: number;
  minDurationMs: number;
  maxDurationMs: number;
}

/** A replica down for a long stretch of the fault phase (a seed's `longOutage` adversary). */
export interface OutageTiming {
  minDownMs: number;
  maxDownMs: number;
  /** The outage starts at a random time below this. */
  startSpreadMs: number;
}

/**
 * Which seeds meet issue 17's adversarial clients and the long replica outage: `auto`, each
 * adversary on about half of the seeds (drawn from the seed); `always`, all of them on every
 * seed; `never`, well-behaved clients only.
 */
export type AdversaryMode = 'auto' | 'always' | 'never';

export interface ClientTiming {
  /** A client resends a request it has no answer for after this long (same requestId). */
  retryTimeoutMs: number;
  thinkTimeMaxMs: number;
  /** Clients start their first operation at a random time below this. */
  startSpreadMs: number;
}

export interface SimOptions {
  acceptors: number;
  leaders: number;
  replicas: number;
  clients: number;
  opsPerClient: number;
  /** Size of the key set the clients operate on; small, so operations conflict. */
  keyCount: number;
  /** Acceptors restart with an empty durable map: the original in-memory design. */
  volatileAcceptors: boolean;
  /**
   * Every shell core plans commits far above the data API's body limit, and every adversary
   * (values at the per-command limit) is on: the simulated data API refuses commits (must fail).
   */
  oversizedCommits: boolean;
  adversaries: AdversaryMode;
  /**
   * Which seeds run an operator's reconfiguration plan (reconfiguration/plan.ts) alongside the
   * faults: members replaced, added and removed, a replica down through many collections.
   */
  reconfigure: ReconfigureMode;
  /** A deliberately broken configuration the checkers must catch (variant-names.ts). */
  broken: BrokenVariant | null;
  faultPhaseMs: number;
  /** After healing, how long the cluster gets to answer everything and converge. */
  settleDeadlineMs: number;
  linkFaults: LinkFaults;
  linkTiming: LinkTiming;
  crashes: CrashRates;
  partitions: PartitionRates;
  outage: OutageTiming;
  client: ClientTiming;
  /** How many steps of one replica pass between full state comparisons (R3). */
  replicaFullCheckEverySteps: number;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  acceptors: 3,
  leaders: 2,
  replicas: 2,
  clients: 4,
  opsPerClient: 30,
  keyCount: 3,
  volatileAcceptors: false,
  oversizedCommits: false,
  adversaries: 'auto',
  reconfigure: 'auto',
  broken: null,
  faultPhaseMs: 4_000,
  settleDeadlineMs: 30_000,
  linkFaults: { dropProbability: 0.05, duplicateProbability: 0.05, slowProbability: 0.1 },
  linkTiming: { minDelayMs: 1, maxDelayMs: 8, slowDelayMaxMs: 60 },
  crashes: {
    acceptorMeanUpMs: 900,
    leaderMeanUpMs: 1_200,
    replicaMeanUpMs: 1_500,
    minDownMs: 20,
    maxDownMs: 400,
  },
  partitions: { meanGapMs: 400, minDurationMs: 50, maxDurationMs: 500 },
  outage: { minDownMs: 1_500, maxDownMs: 4_000, startSpreadMs: 1_000 },
  client: { retryTimeoutMs: 150, thinkTimeMaxMs: 40, startSpreadMs: 200 },
  replicaFullCheckEverySteps: 25,
};

export type SimOptionsOverride = Partial<
  Omit<SimOptions, 'linkFaults' | 'linkTiming' | 'crashes' | 'partitions' | 'outage' | 'client'>
> & {
  linkFaults?: Partial<LinkFaults>;
  linkTiming?: Partial<LinkTiming>;
  crashes?: Partial<CrashRates>;
  partitions?: Partial<PartitionRates>;
  outage?: Partial<OutageTiming>;
  client?: Partial<ClientTiming>;
};

export function simOptions(override: SimOptionsOverride = {}): SimOptions {
  const d = DEFAULT_SIM_OPTIONS;
  return {
    ...d,
    ...override,
    linkFaults: { ...d.linkFaults, ...override.linkFaults },
    linkTiming: { ...d.linkTiming, ...override.linkTiming },
    crashes: { ...d.crashes, ...override.crashes },
    partitions: { ...d.partitions, ...override.partitions },
    outage: { ...d.outage, ...override.outage },
    client: { ...d.client, ...override.client },
  };
}
