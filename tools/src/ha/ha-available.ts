import { execFileSync } from 'node:child_process';

/**
 * Why the highly available PostgreSQL cannot run on this machine, or null: it needs Patroni and
 * etcd on the PATH. The bench skips its `ha` row and the HA backup test skips itself with it.
 */
export function haUnavailable(): string | null {
  for (const binary of ['patroni', 'etcd']) {
    try {
      execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    } catch {
      return `no ${binary} on the PATH (apt-get install patroni etcd-server)`;
    }
  }
  return null;
}
