import { CONFIGURATION_NAMES, DEFAULT_CONFIGURATIONS, ETCD_CONFIGURATION } from './configurations';
import { DEFAULT_ETCD_BASE_PORT } from './etcd-members';

/** What --configs accepts: the fleet's configurations and `etcd` (the comparison). */
const CONFIG_NAMES = [...CONFIGURATION_NAMES, ETCD_CONFIGURATION.name];

/** What `npm run bench -- ...` asks for. */
export interface BenchArgs {
  clients: number;
  /** Measured seconds per configuration (after the warm-up). */
  seconds: number;
  warmupSeconds: number;
  keys: number;
  /** Fraction of commands that are gets, 0..1. */
  readRatio: number;
  configs: string[];
  jsonFile: string;
  /** Offered load of the open-loop run on the default configuration; 0 skips it. */
  offeredPerSecond: number;
  /** Length of the idle measurement on the default configuration; 0 skips it. */
  idleSeconds: number;
  /** Length of the traced run at the offered load (where a slot's time goes); 0 skips it. */
  anatomySeconds: number;
  /** Run the role services and the data API of fleet configurations under `node --cpu-prof`. */
  cpuProfile: boolean;
  basePort: number;
  /** Clients talk to the first N replicas only (0: all of them). */
  entryReplicas: number;
  /** Run only the watchers scenario (watch-scenario.ts): step time with 0 and 100 watchers. */
  watchScenario: boolean;
  /**
   * Run only the comparison with etcd (etcd-comparison.ts): its loads on the default fleet and
   * on etcd, the ratios, the targets; the fleet's idle CPU too unless --idle-seconds is 0.
   */
  vsEtcd: boolean;
  /** etcd member i serves clients on etcdBasePort + 2i and peers on etcdBasePort + 2i + 1. */
  etcdBasePort: number;
}

export const DEFAULT_ARGS: BenchArgs = {
  clients: 512,
  seconds: 20,
  warmupSeconds: 3,
  keys: 1_000,
  readRatio: 0,
  configs: DEFAULT_CONFIGURATIONS,
  jsonFile: 'test-results/bench.json',
  offeredPerSecond: 1_000,
  idleSeconds: 20,
  anatomySeconds: 8,
  cpuProfile: false,
  basePort: 7800,
  entryReplicas: 0,
  watchScenario: false,
  vsEtcd: false,
  etcdBasePort: DEFAULT_ETCD_BASE_PORT,
};

export const USAGE = `npm run bench -- [options]
  --clients N          closed-loop clients (default ${DEFAULT_ARGS.clients})
  --seconds S          measured seconds per configuration (default ${DEFAULT_ARGS.seconds})
  --warmup S           warm-up seconds before each measurement (default ${DEFAULT_ARGS.warmupSeconds})
  --keys N             distinct keys (default ${DEFAULT_ARGS.keys})
  --read-ratio R       fraction of gets, 0..1 (default ${DEFAULT_ARGS.readRatio})
  --configs a,b,...    of ${CONFIG_NAMES.join(', ')}
                       (default ${DEFAULT_CONFIGURATIONS.join(',')}; baseline is always run;
                       etcd: the same loads on etcd and the default fleet, when etcd is on the PATH)
  --offered N          open-loop commands/s offered to the default fleet (default ${DEFAULT_ARGS.offeredPerSecond}; 0 skips)
  --idle-seconds S     idle-fleet CPU measurement (default ${DEFAULT_ARGS.idleSeconds}; 0 skips)
  --anatomy-seconds S  traced run at the offered load: where a slot's time goes (default ${DEFAULT_ARGS.anatomySeconds}; 0 skips)
  --json FILE          where the JSON report goes (default ${DEFAULT_ARGS.jsonFile})
  --cpu-prof           run the fleet processes under node --cpu-prof and summarise the busiest
  --entry-replicas N   clients send to the first N replicas only (default: all)
  --base-port P        first port of the bench fleets (default ${DEFAULT_ARGS.basePort})
  --watch-scenario     only the watchers scenario: the replica's p99 step time with 0 and 100
                       GET /watch feeds, phases interleaved under the closed-loop load
  --vs-etcd            only the comparison with etcd: its loads on the default fleet and on etcd,
                       ratios and targets (with --seconds 10, a few minutes)
  --etcd-port P        first port of the etcd members (default ${DEFAULT_ARGS.etcdBasePort}; member i: P+2i, peers P+2i+1)`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses argv (without node and the script); throws UsageError naming the bad flag. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { ...DEFAULT_ARGS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--clients':
        args.clients = wholeNumber(flag, value(), 1);
        break;
      case '--seconds':
        args.seconds = wholeNumber(flag, value(), 1);
        break;
      case '--warmup':
        args.warmupSeconds = wholeNumber(flag, value(), 0);
        break;
      case '--keys':
        args.keys = wholeNumber(flag, value(), 1);
        break;
      case '--read-ratio': {
        const r = Number(value());
        if (!(r >= 0 && r <= 1)) throw new UsageError(`${flag} must be a number from 0 to 1`);
        args.readRatio = r;
        break;
      }
      case '--configs':
        args.configs = parseConfigList(value());
        break;
      case '--offered':
        args.offeredPerSecond = wholeNumber(flag, value(), 0);
        break;
      case '--idle-seconds':
        args.idleSeconds = wholeNumber(flag, value(), 0);
        break;
      case '--anatomy-seconds':
        args.anatomySeconds = wholeNumber(flag, value(), 0);
        break;
      case '--json':
        args.jsonFile = value();
        break;
      case '--cpu-prof':
        args.cpuProfile = true;
        break;
      case '--entry-replicas':
        args.entryReplicas = wholeNumber(flag, value(), 0);
        break;
      case '--watch-scenario':
        args.watchScenario = true;
        break;
      case '--base-port':
        args.basePort = wholeNumber(flag, value(), 1024);
        break;
      case '--vs-etcd':
        args.vsEtcd = true;
        break;
      case '--etcd-port':
        args.etcdBasePort = wholeNumber(flag, value(), 1024);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (args.vsEtcd && args.watchScenario)
    throw new UsageError('--vs-etcd and --watch-scenario are separate runs: pick one');
  return args;
}

/** The baseline is measured in every run: every figure is reported as a ratio against it. */
function parseConfigList(text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const n of names) {
    if (!CONFIG_NAMES.includes(n)) {
      throw new UsageError(`unknown configuration ${n}; known: ${CONFIG_NAMES.join(', ')}`);
    }
  }
  const unique = [...new Set(names)];
  return unique.includes('baseline') ? unique : ['baseline', ...unique];
}

function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number >= ${min}`);
  return n;
}
