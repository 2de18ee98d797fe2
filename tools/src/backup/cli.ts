/**
 * `npx tsx tools/src/backup/cli.ts backup --url URL --to DIR`
 * `npx tsx tools/src/backup/cli.ts restore --from DIR --data PGDATA [--database paxos] [--superuser NAME]`
 * `npx tsx tools/src/backup/cli.ts restore --from DIR --ha-dir HADIR [--database paxos]`
 *
 * The fleet's backup and restore (docs/operations.md, "Backup and restore"). `backup` takes a
 * base backup with pg_basebackup of the server URL names (a standalone PostgreSQL, or the
 * primary of the highly available one) into DIR. `restore` puts DIR in place of the stopped
 * server's data folder PGDATA (the old one is renamed, not deleted) and fences it: every
 * process epoch jumps by 10^12 and every lease is dropped, while the server is reachable only
 * on a private socket. Start the server afterwards as usual; processes of the fleet that still
 * ran exit as fenced, and started again they recover from the restored state. With `--ha-dir`
 * (the local highly available PostgreSQL, stopped) it restores into the first node, sets the
 * others' folders and etcd's aside, and starts the cluster from that node.
 */
import { parseArgs } from 'node:util';
import { takeBaseBackup } from './base-backup';
import { restoreBaseBackup, type RestoreResult } from './restore';
import { restoreHaCluster } from './restore-ha';

const { values, positionals } = parseArgs({
  options: {
    url: { type: 'string' },
    to: { type: 'string' },
    from: { type: 'string' },
    data: { type: 'string' },
    'ha-dir': { type: 'string' },
    database: { type: 'string', default: 'paxos' },
    superuser: { type: 'string' },
  },
  allowPositionals: true,
});

const required = (name: string, value: string | undefined): string => {
  if (!value) throw new Error(`--${name} is required`);
  return value;
};

async function main(): Promise<void> {
  const startedAt = Date.now();
  switch (positionals[0]) {
    case 'backup': {
      const b = takeBaseBackup({
        url: required('url', values.url),
        dir: required('to', values.to),
      });
      console.log(
        `base backup in ${b.dir} (started ${b.startTime} at ${b.startLsn}, ${Date.now() - startedAt} ms)`,
      );
      return;
    }
    case 'restore': {
      const database = values.database ?? 'paxos';
      const backupDir = required('from', values.from);
      let r: RestoreResult;
      if (values['ha-dir']) {
        const ha = await restoreHaCluster({ backupDir, haDir: values['ha-dir'], database });
        console.log(`HA cluster started from the restored node: ${ha.describe}`);
        r = ha;
      } else {
        r = restoreBaseBackup({
          backupDir,
          dataDir: required('data', values.data),
          database,
          ...(values.superuser ? { superuser: values.superuser } : {}),
        });
      }
      if (r.replacedDir) console.log(`the data folder that was there is now ${r.replacedDir}`);
      console.log(
        `restored and fenced: ${r.processesFenced} process epochs raised (highest ${r.epochMax}), every lease dropped (${Date.now() - startedAt} ms)`,
      );
      return;
    }
    default:
      console.error(
        'usage: backup --url URL --to DIR | restore --from DIR (--data PGDATA | --ha-dir HADIR) [--database NAME] [--superuser NAME]',
      );
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
