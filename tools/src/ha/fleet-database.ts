import { HaCluster } from './ha-cluster';
import { databaseUrls } from './layout';

/** The fleet's database on the HA cluster. */
export const HA_DATABASE = 'paxos';

/**
 * The highly available PostgreSQL under `npm run fleet -- up --ha`: started in `dir` (or found
 * running there from an earlier `up`), the fleet's database created on it. Returns the
 * DATABASE_URLS the data API follows the primary among.
 */
export async function startFleetHa(
  dir: string,
  log: (line: string) => void = console.log,
): Promise<string[]> {
  const cluster = new HaCluster(dir);
  if (cluster.isRunning()) {
    log(`HA PostgreSQL already runs in ${dir}; waiting for a primary and a synchronous standby`);
    await cluster.waitHealthy(60_000);
  } else {
    log(`starting the HA PostgreSQL (etcd, 3 Patroni nodes) in ${dir}`);
    await cluster.start();
  }
  await cluster.ensureDatabase(HA_DATABASE);
  log(`HA PostgreSQL: ${await cluster.describe()}`);
  return databaseUrls(cluster.layout, HA_DATABASE);
}

export async function describeFleetHa(dir: string): Promise<string> {
  return new HaCluster(dir).describe();
}

export async function stopFleetHa(dir: string): Promise<void> {
  await new HaCluster(dir).stop();
}
