import type { BenchConfiguration } from './configurations';

/** One process of a running configuration, for CPU accounting. */
export interface TargetProcess {
  name: string;
  /** acceptor, leader, replica, neurelo, or `roles` for the in-memory fleet's single process. */
  kind: string;
  pid: number | null;
}

/** A configuration up and serving clients, whatever runs underneath. */
export interface BenchTarget {
  configuration: BenchConfiguration;
  replicaUrls: string[];
  /** The role services (each answers /metrics on its port). */
  roles: Array<{ name: string; kind: string; port: number }>;
  processes(): TargetProcess[];
  /** Where the data API's request count is read; null without a data API. */
  requestCounterPort: number | null;
  /** The bench database; null without PostgreSQL. */
  database: { name: string; url: string } | null;
  /** Stops every process (SIGTERM, so --cpu-prof profiles get written) and drops the database. */
  stop(): Promise<void>;
}

/** Fleet layout (tools/src/fleet/topology.ts): roles from basePort+31; the counter at +95. */
export const REQUEST_COUNTER_PORT_OFFSET = 95;
