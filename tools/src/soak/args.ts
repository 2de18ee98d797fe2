import { parseArgs } from 'node:util';
import { ALL_FAULTS, parseFaults, type FaultKind } from '../chaos/faults';

/** What `npm run soak -- ...` asks for. */
export interface SoakArgs {
  minutes: number;
  seed: number;
  clients: number;
  sampleSeconds: number;
  /** Mean pause between one client's commands. */
  pauseMs: number;
  /** The nemesis's fault kinds; [] for a plain steady run. */
  faults: FaultKind[];
}

export const USAGE = `npm run soak -- [options]
  --minutes N          length of the run (default 30; shorter runs scale the judged windows)
  --seed N             seed of the workload and the nemesis (default: from the clock)
  --clients N          steady clients (default 4)
  --sample-seconds S   seconds between samples (default 60; lower for a quick try)
  --pause-ms MS        mean pause between one client's commands (default 200)
  --faults a,b,...     the nemesis's faults, of ${ALL_FAULTS.join(', ')} (default all; none: no nemesis)`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses argv (without node and the script); throws UsageError naming the bad flag. */
export function parseSoakArgs(argv: string[], now = Date.now()): SoakArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string', default: '30' },
        seed: { type: 'string' },
        clients: { type: 'string', default: '4' },
        'sample-seconds': { type: 'string', default: '60' },
        'pause-ms': { type: 'string', default: '200' },
        faults: { type: 'string', default: ALL_FAULTS.join(',') },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    minutes: positive('--minutes', values.minutes),
    seed: values.seed === undefined ? now % 1_000_000 : whole('--seed', values.seed),
    clients: whole('--clients', values.clients, 1),
    sampleSeconds: positive('--sample-seconds', values['sample-seconds']),
    pauseMs: whole('--pause-ms', values['pause-ms']),
    faults: faultsOf(values.faults),
  };
}

function faultsOf(text: string): FaultKind[] {
  try {
    return parseFaults(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be above 0, got ${raw}`);
  return n;
}

function whole(flag: string, raw: string, min = 0): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min}, got ${raw}`);
  return n;
}
