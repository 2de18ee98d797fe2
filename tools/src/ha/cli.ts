/**
 * `npx tsx tools/src/ha/cli.ts up | down | status | kill <node> | start <node> [--dir DIR]`
 *
 * The local highly available PostgreSQL on its own (`npm run fleet -- up --ha` starts it under
 * a fleet): etcd and three Patroni-managed PostgreSQL nodes on 5441-5443, detached, their logs
 * and data in DIR (default: the fleet's, `$FLEET_DIR/run/ha`). `kill` is a machine loss
 * (SIGKILL to the node's Patroni and PostgreSQL), `start` brings the node back as a standby.
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { HaCluster } from './ha-cluster';
import { defaultHaDir } from './default-dir';
import { databaseUrls } from './layout';

const { values, positionals } = parseArgs({
  options: { dir: { type: 'string' } },
  allowPositionals: true,
});

async function main(): Promise<void> {
  const [command, name] = positionals;
  const cluster = new HaCluster(values.dir ?? defaultHaDir());
  switch (command) {
    case 'up': {
      await cluster.start();
      await cluster.ensureDatabase('paxos');
      console.log(`HA cluster up: ${await cluster.describe()}`);
      console.log(`DATABASE_URLS=${databaseUrls(cluster.layout, 'paxos').join(',')}`);
      console.log(`logs: ${cluster.layout.root}`);
      return;
    }
    case 'down':
      await cluster.stop();
      console.log('HA cluster stopped');
      return;
    case 'status':
      console.log(await cluster.describe());
      return;
    case 'kill':
      console.log(`${name}: ${cluster.killNode(name ?? '')} processes killed (SIGKILL)`);
      return;
    case 'start':
      cluster.startNode(name ?? '');
      console.log(`${name}: Patroni started; it rejoins as a standby`);
      return;
    default:
      console.log(
        'usage: tsx tools/src/ha/cli.ts up | down | status | kill <node> | start <node> [--dir DIR]',
      );
      process.exitCode = command ? 2 : 0;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
