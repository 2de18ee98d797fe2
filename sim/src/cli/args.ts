/** `npm run sim -- ...` arguments. Unknown flags are an error, never silently ignored. */
export interface CliArgs {
  /** Run seeds firstSeed .. firstSeed + seeds - 1. */
  firstSeed: number;
  seeds: number;
  volatileAcceptors: boolean;
  verbose: boolean;
  clients: number | null;
  opsPerClient: number | null;
  acceptors: number | null;
  leaders: number | null;
  replicas: number | null;
}

export const USAGE = `usage: npm run sim -- [--seeds N | --seed N] [--first-seed N] [--volatile-acceptors]
                        [--verbose] [--clients N] [--ops N] [--acceptors N] [--leaders N] [--replicas N]
  --seeds N             run seeds first-seed .. first-seed+N-1 (default 100 from seed 1)
  --seed N              run one seed (prints its digest; with --verbose its whole trace)
  --volatile-acceptors  acceptors restart with an empty durable map (expected to break safety)
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
    verbose: false,
    clients: null,
    opsPerClient: null,
    acceptors: null,
    leaders: null,
    replicas: null,
  };
  let single: number | null = null;
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
      case '--verbose':
        args.verbose = true;
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
  if (args.clients !== null) flags.push(`--clients ${args.clients}`);
  if (args.opsPerClient !== null) flags.push(`--ops ${args.opsPerClient}`);
  if (args.acceptors !== null) flags.push(`--acceptors ${args.acceptors}`);
  if (args.leaders !== null) flags.push(`--leaders ${args.leaders}`);
  if (args.replicas !== null) flags.push(`--replicas ${args.replicas}`);
  return flags;
}
