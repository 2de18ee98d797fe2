import { REAL_ROLES, type SimRoles } from '../cluster/sim-cluster';
import { Simulation } from './simulation';
import { simOptions, type SimOptionsOverride } from './sim-options';
import type { SimResult } from './sim-result';

/** Runs one seed; `log` receives a readable trace of every event (for --verbose). */
export function runSeed(
  seed: number,
  override: SimOptionsOverride = {},
  log: ((line: string) => void) | null = null,
  roles: SimRoles = REAL_ROLES,
): SimResult {
  return new Simulation(seed, simOptions(override), log, roles).run();
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
