import {
  BROKEN_VARIANTS,
  BROKEN_VARIANT_HELP,
  isBrokenVariant,
  type BrokenVariant,
} from '../broken/variant-names';
import type { ReconfigureMode } from '../reconfiguration/plan';
import type { AdversaryMode } from '../run/sim-options';

/** `npm run sim -- ...` arguments. Unknown flags are an error, never silently ignored. */
export interface CliArgs {
  /** Run seeds firstSeed .. firstSeed + seeds - 1. */
  firstSeed: number;
  seeds: number;
  volatileAcceptors: boolean;
  /** Shell cores plan commits over the data API's body limit (must fail). */
  oversizedCommits: boolean;
  /** null: the default (`auto`, or `always` under --broken). */
  adversaries: AdversaryMode | null;
  /** null: the default (`auto`, or `always` under a --broken variant that needs it). */
  reconfigure: ReconfigureMode | null;
  broken: BrokenVariant | null;
  /** Print USAGE and run nothing. */
  help: boolean;
  verbose: boolean;
  clients: number | null;
  opsPerClient: number | null;
  acceptors: number | null;
  leaders: number | null;
  replicas: number | null;
}

const brokenHelp = BROKEN_VARIANTS.map(
  (name) => `      ${name.padEnd(19)} ${BROKEN_VARIANT_HELP[name]}`,
).join('\n');

export const USAGE = `usage: npm run sim -- [--help] [--seeds N | --seed N] [--first-seed N] [--verbose]
                        [--adversarial | --no-adversarial] [--reconfigure | --no-reconfigure]
                        [--broken NAME] [--volatile-acceptors]
                        [--clients N] [--ops N] [--acceptors N] [--leaders N] [--replicas N]
  --seeds N             run seeds first-seed .. first-seed+N-1 (default 100 from seed 1)
  --seed N              run one seed (prints its digest; with --verbose its whole trace)
  --adversarial         every seed meets every adversary: hostile input (NUL, lone surrogates,
                        values at and over the limit), request numbers reused with another
                        operation, more sessions than a replica keeps, late retries of old
                        requests, and one replica down for a long stretch. Without this flag
                        each adversary is on for about half of the seeds
  --no-adversarial      well-behaved clients only (they still use sessions)
  --reconfigure         every seed runs an operator's reconfiguration plan alongside the faults:
                        replace every acceptor in turn, replace a leader and a replica, add a
                        replica, keep a replica down through many collections, remove one (one
                        scenario per seed; new members take new ids and start empty, the ones
                        that left are stopped for good). Without this flag about 3 seeds in 4 do
  --no-reconfigure      the membership stays as it started (plain PMMC)
  --broken NAME         a deliberately broken configuration the checkers must catch (the run
                        exits 1); it meets every adversary unless --no-adversarial:
${brokenHelp}
  --volatile-acceptors  acceptors restart with an empty durable map (expected to break safety)
  --oversized-commits   shell cores plan commits far over the data API's body limit, with values
                        at the per-command limit: the data API refuses commits (expected to fail)
  --clients N           simulated clients (default 4)
  --ops N               operations per client (default 30)
  --acceptors N, --leaders N, --replicas N   cluster size (default 3, 2, 2)`;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    firstSeed: 1,
    seeds: 100,
    volatileAcceptors: false,
    oversizedCommits: false,
    adversaries: null,
    reconfigure: null,
    broken: null,
    help: false,
    verbose: false,
    clients: null,
    opsPerClient: null,
    acceptors: null,
    leaders: null,
    replicas: null,
  };
  let single: number | null = null;
  const setAdversaries = (mode: AdversaryMode): void => {
    if (args.adversaries !== null && args.adversaries !== mode) {
      throw new CliUsageError('--adversarial and --no-adversarial exclude each other');
    }
    args.adversaries = mode;
  };
  const setReconfigure = (mode: ReconfigureMode): void => {
    if (args.reconfigure !== null && args.reconfigure !== mode) {
      throw new CliUsageError('--reconfigure and --no-reconfigure exclude each other');
    }
    args.reconfigure = mode;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): number => {
      const raw = argv[++i];
      const n = Number(raw);
      if (raw === undefined || !Number.isSafeInteger(n) || n < 0) {
        throw new CliUsageError(`${flag} needs a non-negative integer, got ${raw ?? 'nothing'}`);
      }
      return n;
    };
    switch (flag) {
      case '--seeds':
        args.seeds = value();
        break;
      case '--seed':
        single = value();
        break;
      case '--first-seed':
        args.firstSeed = value();
        break;
      case '--volatile-acceptors':
        args.volatileAcceptors = true;
        break;
      case '--oversized-commits':
        args.oversizedCommits = true;
        break;
      case '--adversarial':
        setAdversaries('always');
        break;
      case '--no-adversarial':
        setAdversaries('never');
        break;
      case '--reconfigure':
        setReconfigure('always');
        break;
      case '--no-reconfigure':
        setReconfigure('never');
        break;
      case '--broken': {
        const name = argv[++i];
        if (name === undefined || !isBrokenVariant(name)) {
          throw new CliUsageError(
            `--broken needs one of ${BROKEN_VARIANTS.join(', ')}, got ${name ?? 'nothing'}`,
          );
        }
        args.broken = name;
        break;
      }
      case '--verbose':
        args.verbose = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      case '--clients':
        args.clients = value();
        break;
      case '--ops':
        args.opsPerClient = value();
        break;
      case '--acceptors':
        args.acceptors = value();
        break;
      case '--leaders':
        args.leaders = value();
        break;
      case '--replicas':
        args.replicas = value();
        break;
      default:
        throw new CliUsageError(`unknown argument ${flag ?? ''}`);
    }
  }
  if (single !== null) {
    args.firstSeed = single;
    args.seeds = 1;
  }
  if (args.verbose && args.seeds !== 1) throw new CliUsageError('--verbose needs --seed N');
  for (const [flag, n] of [
    ['--clients', args.clients],
    ['--acceptors', args.acceptors],
    ['--leaders', args.leaders],
    ['--replicas', args.replicas],
  ] as const) {
    if (n === 0) throw new CliUsageError(`${flag} must be at least 1`);
  }
  return args;
}

/** The flags besides the seed that a reproduction command must repeat. */
export function extraFlags(args: CliArgs): string[] {
  const flags: string[] = [];
  if (args.adversaries === 'always') flags.push('--adversarial');
  if (args.adversaries === 'never') flags.push('--no-adversarial');
  if (args.reconfigure === 'always') flags.push('--reconfigure');
  if (args.reconfigure === 'never') flags.push('--no-reconfigure');
  if (args.broken !== null) flags.push(`--broken ${args.broken}`);
  if (args.oversizedCommits) flags.push('--oversized-commits');
  if (args.clients !== null) flags.push(`--clients ${args.clients}`);
  if (args.opsPerClient !== null) flags.push(`--ops ${args.opsPerClient}`);
  if (args.acceptors !== null) flags.push(`--acceptors ${args.acceptors}`);
  if (args.leaders !== null) flags.push(`--leaders ${args.leaders}`);
  if (args.replicas !== null) flags.push(`--replicas ${args.replicas}`);
  return flags;
}
