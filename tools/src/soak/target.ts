import { Prng } from '@paxos/sim/src/random/prng';
import { ChaosRig } from '../chaos/rig';
import type { FaultKind } from '../chaos/faults';
import { Nemesis } from '../chaos/nemesis';
import type { SoakTarget } from './soak-run';

/**
 * Low intensity: one fault at a time, starting 20-40 s apart (chaos uses 2-5 s), so over 30
 * minutes the fleet sees some sixty faults of every kind asked for and spends most of its
 * time recovering from none.
 */
export const SOAK_FAULT_GAP_MS: readonly [number, number] = [20_000, 40_000];
const SOAK_MAX_ACTIVE_FAULTS = 1;

/**
 * Ports of the soak's fleet unless FLEET_BASE_PORT says otherwise: away from chaos (7070)
 * and the test suite's fleets (7400-7899), which may run on the same machine.
 */
const SOAK_BASE_PORT = '7900';

export interface StartedTarget {
  target: SoakTarget;
  /** Where the data lives, for the report ('PostgreSQL', 'a private PostgreSQL on ...'). */
  storage: string;
  /** The fault kinds the nemesis applies ([] without one). */
  faultKinds: string[];
  logDir: string;
  down(): Promise<void>;
}

/**
 * The chaos rig (chaos/rig.ts) with the soak's nemesis: the fleet on a database of the run's
 * own (every key must start absent), faults at low intensity.
 */
export async function startSoakTarget(o: {
  faults: readonly FaultKind[];
  seed: number;
}): Promise<StartedTarget> {
  // The rig reads its ports from the environment (defaultFleetOptions).
  process.env.FLEET_BASE_PORT ??= SOAK_BASE_PORT;
  const rig = await ChaosRig.create({ faults: o.faults, name: 'soak' });
  try {
    await rig.up();
  } catch (err) {
    await rig.down();
    throw err;
  }
  const random = new Prng(o.seed).fork('soak-nemesis');
  // The kinds this rig can apply (the nemesis plans only those).
  const targets = rig.targets();
  const kinds = o.faults.filter((k) => targets[k].length > 0);
  const target: SoakTarget = {
    fleet: rig.fleet,
    databaseUrl: rig.databaseUrl,
  };
  if (o.faults.length > 0) {
    target.nemesis = (t0, log) => {
      return new Nemesis(rig, {
        faults: o.faults,
        random: () => random.nextFloat(),
        t0,
        gapMs: SOAK_FAULT_GAP_MS,
        maxActive: SOAK_MAX_ACTIVE_FAULTS,
        onFault: (r) => log(`soak: fault at t+${(r.startMs / 1000).toFixed(1)}s: ${r.what}`),
      });
    };
  }
  return {
    target,
    storage: rig.storage,
    faultKinds: kinds,
    logDir: rig.fleet.logDir,
    down: () => rig.down(),
  };
}
