/**
 * The configurations `npm run bench` compares. Every one runs the same roles (3 acceptors,
 * 2 leaders, 2 replicas) behind the same HTTP client API; they differ in how messages travel.
 */
export interface BenchConfiguration {
  name: string;
  /** One line for the table's legend. */
  title: string;
  /** `fleet`: one OS process per service over the local Neurelo server on PostgreSQL.
   *  `memory`: every role service in ONE process over an in-memory queue.
   *  `etcd`: a three-member etcd cluster, the system the fleet is compared with (etcd-target.ts). */
  kind: 'fleet' | 'memory' | 'etcd';
  /** False for variants that trade durability away: reported, never a deployment. */
  durable: boolean;
  /** Extra environment for every role service. */
  roleEnv: Record<string, string>;
  /** A folder of neurelo/variants: extra migrations and replacement queries. */
  variant?: string;
  /**
   * Also measured at the offered load, with its slot anatomy, beside the default fleet's (a
   * protocol variant whose latency is the point of the comparison).
   */
  openLoop?: boolean;
  /**
   * `ha`: the data API follows the primary of a three-node PostgreSQL under Patroni with
   * synchronous replication (ha-database.ts) instead of a database on the machine's PostgreSQL.
   */
  database?: 'ha';
}

export const CONFIGURATIONS: readonly BenchConfiguration[] = [
  {
    name: 'neurelo',
    title: 'the fleet as deployed: leases, batched step commits, long polls, one queue table',
    kind: 'fleet',
    durable: true,
    roleEnv: {},
  },
  {
    name: 'baseline',
    title:
      'the original design: pop one message per request (polled every 10 ms), push each message on its own, no batching',
    kind: 'fleet',
    durable: true,
    // One command per slot and one message per step, as the original handled them, and
    // decisions from the leaders (PMMC), as the original learned them, whatever the default.
    roleEnv: {
      QUEUE_MODE: 'baseline',
      CLAIM_BATCH: '1',
      BATCH_MAX_COMMANDS: '1',
      LEARN_FROM_ACCEPTORS: 'false',
    },
  },
  {
    name: 'acceptor-learners',
    title:
      'as neurelo, replicas learn decisions from the acceptors (one hop less per slot, more messages; LEARN_FROM_ACCEPTORS=true)',
    kind: 'fleet',
    durable: true,
    roleEnv: { LEARN_FROM_ACCEPTORS: 'true' },
    openLoop: true,
  },
  {
    name: 'ha',
    title:
      'as neurelo, on a three-node PostgreSQL under Patroni with synchronous replication (tools/src/ha; each commit also waits for a standby)',
    kind: 'fleet',
    durable: true,
    roleEnv: {},
    database: 'ha',
    openLoop: true,
  },
  {
    name: 'reads-through-log',
    title:
      'as neurelo, reads take a slot like writes instead of a read probe (REPLICA_READ_PROBES=false; docs/reads.md)',
    kind: 'fleet',
    durable: true,
    roleEnv: { REPLICA_READ_PROBES: 'false' },
    openLoop: true,
  },
  {
    name: 'memory',
    title: "the same roles in one process over an in-memory queue (the protocol's own CPU cost)",
    kind: 'memory',
    durable: false,
    roleEnv: {},
  },
  {
    name: 'queue-per-role',
    title: 'as neurelo, with queue_item partitioned by role (one table per role)',
    kind: 'fleet',
    durable: true,
    roleEnv: {},
    variant: 'queue-per-role',
  },
  {
    name: 'unlogged-queue',
    title: 'as neurelo, queue_item UNLOGGED (NOT durable: shows what the queue WAL costs)',
    kind: 'fleet',
    durable: false,
    roleEnv: {},
    variant: 'unlogged-queue',
  },
  {
    name: 'async-commit',
    title: 'as neurelo, synchronous_commit = off (NOT durable: shows what waiting for fsync costs)',
    kind: 'fleet',
    durable: false,
    roleEnv: {},
    variant: 'async-commit',
  },
  {
    name: 'soft-lease',
    title:
      'as neurelo, leases committed without waiting for the WAL flush (a lost lease is a redelivery; pushes, state and acks still wait)',
    kind: 'fleet',
    durable: true,
    roleEnv: {},
    variant: 'soft-lease',
  },
];

export const CONFIGURATION_NAMES = CONFIGURATIONS.map((c) => c.name);

/**
 * etcd is not a configuration of the fleet: naming it in --configs runs the comparison
 * (etcd-comparison.ts): the same loads on etcd and on the default fleet, as ratios.
 */
export const ETCD_CONFIGURATION: BenchConfiguration = {
  name: 'etcd',
  title: 'etcd, three members on loopback, fsync on, driven through its v3 JSON gateway',
  kind: 'etcd',
  durable: true,
  roleEnv: {},
};

export const DEFAULT_CONFIGURATIONS = [
  'baseline',
  'neurelo',
  'acceptor-learners',
  'ha',
  'memory',
  'queue-per-role',
  'async-commit',
  'soft-lease',
  ETCD_CONFIGURATION.name,
];

/** The configuration the idle and offered-load measurements run on. */
export const DEFAULT_FLEET_CONFIGURATION = 'neurelo';

export function configurationNamed(name: string): BenchConfiguration {
  const c = CONFIGURATIONS.find((x) => x.name === name);
  if (!c) throw new Error(`unknown configuration ${name}`);
  return c;
}
