import { ALL_ADVERSARIES, NO_ADVERSARIES, type AdversaryPlan } from '../clients/adversaries';
import type { Prng } from '../random/prng';
import type {
  AdversaryMode,
  CrashRates,
  LinkFaults,
  PartitionRates,
  SimOptions,
} from '../run/sim-options';

/**
 * How hard one seed is hit: the configured rates, each scaled by the seed's own factor, and
 * which adversaries (issue 17's hostile clients, a long replica outage) it meets.
 */
export interface FaultProfile {
  linkFaults: LinkFaults;
  crashes: CrashRates;
  partitions: PartitionRates;
  adversaries: AdversaryPlan;
}

/** In `auto` mode, each adversary is on for about this share of the seeds. */
const ADVERSARY_CHANCE = 0.5;

function drawAdversaries(rng: Prng, mode: AdversaryMode): AdversaryPlan {
  if (mode === 'always') return ALL_ADVERSARIES;
  if (mode === 'never') return NO_ADVERSARIES;
  return {
    hostileInput: rng.chance(ADVERSARY_CHANCE),
    reusedNumbers: rng.chance(ADVERSARY_CHANCE),
    manySessions: rng.chance(ADVERSARY_CHANCE),
    lateRetries: rng.chance(ADVERSARY_CHANCE),
    longOutage: rng.chance(ADVERSARY_CHANCE),
  };
}

/** Drops stay moderate: in the real system they stand for a crash between consume and commit. */
const MAX_DROP_PROBABILITY = 0.15;

/**
 * Swarm testing (as TigerBeetle's simulator does): rather than every seed meeting the same
 * average weather, each seed draws how much of each fault it gets, from a quarter to twice the
 * configured rate. Calm seeds probe long runs of progress; stormy ones probe recovery.
 */
export function drawFaultProfile(rng: Prng, options: SimOptions): FaultProfile {
  const scale = (): number => 0.25 + rng.nextFloat() * 1.75;
  const { linkFaults, crashes, partitions } = options;
  // A higher rate of a "mean time between" fault means a shorter mean time.
  return {
    linkFaults: {
      dropProbability: Math.min(MAX_DROP_PROBABILITY, linkFaults.dropProbability * scale()),
      duplicateProbability: linkFaults.duplicateProbability * scale(),
      slowProbability: linkFaults.slowProbability * scale(),
    },
    crashes: {
      ...crashes,
      acceptorMeanUpMs: crashes.acceptorMeanUpMs / scale(),
      leaderMeanUpMs: crashes.leaderMeanUpMs / scale(),
      replicaMeanUpMs: crashes.replicaMeanUpMs / scale(),
    },
    partitions: { ...partitions, meanGapMs: partitions.meanGapMs / scale() },
    adversaries: drawAdversaries(rng, options.adversaries),
  };
}
