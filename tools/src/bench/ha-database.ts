import os from 'node:os';
import path from 'node:path';
import { HaCluster } from '../ha/ha-cluster';
import { databaseUrls, nodeUrl } from '../ha/layout';
import { primaryOf, readCluster } from '../ha/patroni-rest';

/**
 * The `ha` configuration's database: the three-node PostgreSQL under Patroni of tools/src/ha
 * (synchronous replication, so every commit also waits for a standby's flush), started for
 * this run and stopped after it. Needs Patroni and etcd on the PATH (ha-available.ts).
 */
export interface HaBenchDatabase {
  /** Every node's URL: the data API follows the primary (DATABASE_URLS). */
  urls: string[];
  /** The primary's URL when the run started: the bench's statistics reader uses it. */
  primaryUrl: string;
  stop: () => Promise<void>;
}

export async function startHaBenchDatabase(
  database: string,
  log: (line: string) => void,
): Promise<HaBenchDatabase> {
  // Under the system's temporary folder, which the postgres user can reach wherever the
  // checkout is.
  const cluster = new HaCluster(path.join(os.tmpdir(), 'paxos-bench-ha'));
  log(`[ha] starting etcd and three Patroni nodes in ${cluster.layout.root}`);
  await cluster.start();
  try {
    await cluster.ensureDatabase(database);
    const primary = primaryOf(await readCluster(cluster.restPorts));
    if (!primary) throw new Error('the HA PostgreSQL has no primary');
    log(`[ha] ${await cluster.describe()}`);
    return {
      urls: databaseUrls(cluster.layout, database),
      primaryUrl: nodeUrl(cluster.node(primary.name), database),
      stop: () => cluster.stop(),
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
