import type { Prng } from '../random/prng';
import type { CrashRates, LinkFaults, PartitionRates, SimOptions } from '../run/sim-options';

/** How hard one seed is hit: the configured rates, each scaled by the seed's own factor. */
export interface FaultProfile {
  linkFaults: LinkFaults;
  crashes: CrashRates;
  partitions: PartitionRates;
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
  };
}
