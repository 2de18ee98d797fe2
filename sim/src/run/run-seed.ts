import { brokenRoles } from '../broken/broken-roles';
import { RECONFIGURING_VARIANTS } from '../broken/variant-names';
import { REAL_ROLES, type SimRoles } from '../cluster/sim-cluster';
import { Simulation } from './simulation';
import { simOptions, type SimOptionsOverride } from './sim-options';
import type { SimResult } from './sim-result';

/**
 * Runs one seed; `log` receives a readable trace of every event (for --verbose). A broken
 * variant (`override.broken`) wraps `roles` in its mistake, and meets every adversary unless
 * `override.adversaries` says otherwise: its mistake shows only under them. A variant that
 * breaks reconfiguration reconfigures on every seed unless `override.reconfigure` says otherwise.
 */
export function runSeed(
  seed: number,
  override: SimOptionsOverride = {},
  log: ((line: string) => void) | null = null,
  roles: SimRoles = REAL_ROLES,
): SimResult {
  const broken = override.broken ?? null;
  // A must-fail variant meets every adversary (values at the per-command limit included).
  const mustFail = broken !== null || override.oversizedCommits === true;
  const options = simOptions({
    // --oversized-commits: more keys to hold values at the limit, so snapshots grow large.
    ...(override.oversizedCommits === true ? { keyCount: 16 } : {}),
    ...(!mustFail || override.adversaries !== undefined
      ? override
      : { ...override, adversaries: 'always' }),
  });
  // A mistake of reconfiguration shows only when the membership changes.
  if (
    broken !== null &&
    RECONFIGURING_VARIANTS.includes(broken) &&
    override.reconfigure === undefined
  ) {
    options.reconfigure = 'always';
  }
  const run = broken === null ? roles : brokenRoles(broken, roles);
  return new Simulation(seed, options, log, run).run();
}

/** The one-line command that replays a seed exactly. */
export function reproduceCommand(result: SimResult, extraArgs: readonly string[] = []): string {
  const flags = [
    `--seed ${result.seed}`,
    ...(result.volatileAcceptors ? ['--volatile-acceptors'] : []),
    ...extraArgs,
  ];
  return `npm run sim -- ${flags.join(' ')}`;
}
