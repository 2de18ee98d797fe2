import { existsSync, renameSync } from 'node:fs';
import { HaCluster } from '../ha/ha-cluster';
import { restoreBaseBackup, type RestoreResult } from './restore';

/**
 * Restores a base backup into the local highly available PostgreSQL (tools/src/ha/), stopped:
 * the backup goes into the first node's data folder and is fenced there (restore.ts); the other
 * nodes' folders and etcd's are set aside (renamed, not deleted), since they hold the timeline
 * and the leader of the history the restore abandons; then the cluster starts from the first
 * node, and Patroni copies it to the others.
 */
export async function restoreHaCluster(o: {
  backupDir: string;
  haDir: string;
  database: string;
}): Promise<RestoreResult & { describe: string }> {
  const cluster = new HaCluster(o.haDir);
  if (cluster.isRunning()) {
    throw new Error(`the HA cluster in ${o.haDir} runs: stop it first (tools/src/ha/cli.ts down)`);
  }
  const [first, ...others] = cluster.layout.nodes;
  const restored = restoreBaseBackup({
    backupDir: o.backupDir,
    dataDir: first!.dataDir,
    database: o.database,
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const dir of [...others.map((n) => n.dataDir), cluster.layout.etcd.dataDir]) {
    if (existsSync(dir)) renameSync(dir, `${dir}.replaced-${stamp}`);
  }
  await cluster.startFromNode(first!.name);
  return { ...restored, describe: await cluster.describe() };
}
