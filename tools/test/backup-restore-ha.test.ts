/**
 * Backup and restore on the highly available PostgreSQL (tools/src/ha/: etcd and three Patroni
 * nodes on 5441-5443, the ports `npm run test:ha` uses, so the two never run at once), under a
 * real fleet (ports from 8800): a base backup of the primary with the documented script while a
 * client writes, more writes, the cluster stopped, the backup restored with `--ha-dir` while the
 * old fleet still runs. Every old role process exits as fenced; the fleet started again serves
 * the backup's data from the new primary and takes new writes. backup-restore.test.ts shows, on
 * a single PostgreSQL, what happens without the fence.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Fleet } from '../src/fleet/fleet';
import { HA_DATABASE } from '../src/ha/fleet-database';
import { haUnavailable } from '../src/ha/ha-available';
import { HaCluster } from '../src/ha/ha-cluster';
import { databaseUrls, nodeUrl } from '../src/ha/layout';
import { primaryOf, readCluster } from '../src/ha/patroni-rest';
import {
  EPOCH_JUMP,
  backupCli,
  expectBackupServed,
  expectOldFleetFenced,
  fleetKv,
  removeScenarioRoot,
  scenarioFleet,
  whileWriting,
} from './support/backup-scenario';

jest.setTimeout(180_000);

const BASE_PORT = 8800;
const haveHa = haUnavailable() === null;

(haveHa ? describe : describe.skip)('backup and restore on the highly available PostgreSQL', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'paxos-backup-restore-ha-'));
  const haDir = path.join(root, 'ha');
  const cluster = new HaCluster(haDir);
  let fleet: Fleet | undefined;

  const primaryUrl = async (database: string): Promise<string> => {
    const primary = primaryOf(await readCluster(cluster.restPorts));
    if (!primary) throw new Error('no primary');
    return nodeUrl(cluster.node(primary.name), database);
  };
  const epochs = async (): Promise<Map<string, number>> => {
    const client = new Client({ connectionString: await primaryUrl(HA_DATABASE) });
    await client.connect();
    try {
      const r = await client.query<{ process_id: string; epoch: string }>(
        'SELECT process_id, epoch FROM process_epoch',
      );
      return new Map(r.rows.map((row) => [row.process_id, Number(row.epoch)]));
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    chmodSync(root, 0o755); // the postgres user reaches the cluster's folders through it
    await cluster.start();
    await cluster.ensureDatabase(HA_DATABASE);
    fleet = scenarioFleet(root, BASE_PORT, {
      databaseUrls: databaseUrls(cluster.layout, HA_DATABASE),
    });
    await fleet.up(90_000);
  });

  afterAll(async () => {
    await fleet?.down();
    await cluster.stop();
    removeScenarioRoot(root);
  });

  it('restores a backup of the primary into a new cluster that the old fleet cannot go on with', async () => {
    const f = fleet!;
    const { client, put } = fleetKv(f);

    const before = client();
    for (let i = 0; i < 5; i++) await put(before, `before-${i}`, `b${i}`);
    const backupDir = path.join(root, 'backup');
    const primary = await primaryUrl('postgres');
    const backupOut = await whileWriting(f, () =>
      backupCli('backup', '--url', primary, '--to', backupDir),
    );
    console.log(backupOut.trim());
    const oldEpochs = await epochs();
    const after = client();
    for (let i = 0; i < 5; i++) await put(after, `after-${i}`, `a${i}`);

    // The cluster goes; the fleet keeps running and retrying.
    const exits = new Map<string, number | null>();
    f.onUnexpectedExit = (name, code) => exits.set(name, code);
    await cluster.stop();
    const restoreOut = await backupCli('restore', '--from', backupDir, '--ha-dir', haDir);
    console.log(restoreOut.trim());
    const roles = f.services.filter((s) => s.kind !== 'neurelo').map((s) => s.name);
    expect(restoreOut).toContain(`restored and fenced: ${roles.length} process epochs raised`);
    expect(restoreOut).toMatch(/pg-0 leader running/);
    const restoredEpochs = await epochs();
    for (const [id, epoch] of oldEpochs) expect(restoredEpochs.get(id)).toBe(epoch + EPOCH_JUMP);

    const exitedMs = await expectOldFleetFenced(f, roles, exits, 60_000);
    console.log(`every old role process exited within ${exitedMs} ms of the restore`);
    await expectBackupServed(f, roles, 5);
  });
});
