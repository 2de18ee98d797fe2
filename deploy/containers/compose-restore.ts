import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { replicaClient } from './client-key';
import { isReady, waitFor } from './fleet-http';
import { tail, type ComposeProject } from './podman';
import { runDocumentedBlock } from './readme-blocks';
import { check, step } from './report';
import { urlOf, withTestPorts } from './settings';

const ROLE_SERVICE = /^(acceptor|leader|replica)-\d+$/;

/** The role services with a running container now (a replaced member's is gone). */
async function runningRoles(project: ComposeProject): Promise<string[]> {
  const roles: string[] = [];
  for (const name of await project.containers()) {
    const service = /^.+?_(.+)_\d+$/.exec(name)?.[1];
    if (service && ROLE_SERVICE.test(service) && (await project.isRunning(service))) {
      roles.push(service);
    }
  }
  return roles.sort();
}

/**
 * docs/operations.md's compose backup and restore, run as written on the README's fleet:
 * a write, the backup, another write, the restore. Every role process that ran before must
 * exit as fenced (the restore raised every epoch) and come back by its restart policy; then
 * the first write is there, the second is gone (the database is back at the backup), and new
 * writes go through.
 */
export async function backupAndRestoreScenario(project: ComposeProject): Promise<void> {
  const client = replicaClient(90_000);
  const env = { COMPOSE_PROJECT_NAME: project.name };
  const put = async (key: string, value: string) =>
    (await client.run({ kind: 'put', key, value })).result !== null;
  const get = async (key: string) => (await client.run({ kind: 'get', key })).result?.value;

  step('operations.md: the compose backup, between two writes');
  const before = await put('restore-before', 'kept');
  const backup = await runDocumentedBlock('compose-backup', project.dir, env, 300_000);
  const tar = path.join(project.dir, 'paxos-base.tar');
  const bytes = existsSync(tar) ? statSync(tar).size : 0;
  check(
    `the compose backup runs as written (${backup.where})`,
    before && backup.code === 0 && bytes > 1_000_000,
    `exit ${backup.code}, paxos-base.tar ${(bytes / 1e6).toFixed(1)} MB`,
  );
  const after = await put('restore-after', 'rolled back by the restore');

  const roles = await runningRoles(project);
  // A fenced process exits; its policy (or the block's `up -d`) starts the container again.
  const started = new Map<string, string>();
  for (const role of roles) started.set(role, await project.startedAt(role));
  const restarted = async (role: string) => (await project.startedAt(role)) !== started.get(role);

  step('operations.md: the compose restore, with the fleet running');
  const restore = await runDocumentedBlock(
    'compose-restore',
    project.dir,
    env,
    600_000,
    withTestPorts,
  );
  const restoredAt = Date.now();
  check(
    `the compose restore runs as written (${restore.where})`,
    after && restore.code === 0,
    restore.code === 0
      ? `${(restore.ms / 1000).toFixed(1)} s`
      : `exit ${restore.code}: ${tail(restore.stderr, 3).replace(/\n/g, ' | ')}`,
  );

  const fenced = await waitFor('every role fenced, restarted and ready', 180_000, async () => {
    for (const role of roles) {
      if (!(await restarted(role))) return null;
      if (!(await isReady(urlOf(role)))) return null;
    }
    return true;
  }).catch(() => false);
  const stayed = [];
  for (const role of roles) {
    if (!(await restarted(role))) stayed.push(role);
  }
  check(
    'every role process that ran before the restore exits as fenced and is restarted',
    fenced === true,
    fenced === true
      ? `${roles.join(', ')} ready again ${Date.now() - restoredAt} ms after the restore`
      : `not restarted: ${stayed.join(', ') || 'none'}; or not ready`,
  );

  const kept = await get('restore-before');
  const rolledBack = await get('restore-after');
  const goesOn = await put('restore-new', 'after the restore');
  check(
    'the restored fleet has the write before the backup, not the one after, and takes new ones',
    kept === 'kept' && rolledBack === null && goesOn,
    `restore-before=${String(kept)}, restore-after=${String(rolledBack)}, new write ${goesOn ? 'acknowledged' : 'failed'}`,
  );
}
