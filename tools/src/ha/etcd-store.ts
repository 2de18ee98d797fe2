import { setTimeout as sleep } from 'node:timers/promises';
import type { HaLayout } from './layout';
import { makeOwnedDir, spawnDetached, type ServiceUser } from './node-process';

/**
 * The single etcd member Patroni keeps its leader key and member list in. One member is enough
 * on one machine; a production cluster runs three or five, on the database nodes or beside
 * them, because Patroni demotes its primary when it cannot reach etcd.
 */
export function startEtcd(layout: HaLayout, user: ServiceUser | null): number {
  makeOwnedDir(layout.etcd.dataDir, user);
  const client = `http://127.0.0.1:${layout.etcd.clientPort}`;
  const peer = `http://127.0.0.1:${layout.etcd.peerPort}`;
  return spawnDetached(
    'etcd',
    [
      '--name=ha-etcd',
      `--data-dir=${layout.etcd.dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=ha-etcd=${peer}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${layout.scope}`,
      '--logger=zap',
      '--log-level=warn',
    ],
    { logFile: layout.etcd.logFile, user, cwd: layout.root },
  );
}

/** Waits until etcd says it is healthy (it elects itself leader first). */
export async function waitEtcdHealthy(layout: HaLayout, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${layout.etcd.clientPort}/health`, {
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`etcd is not healthy after ${timeoutMs} ms; see ${layout.etcd.logFile}`);
    }
    await sleep(200);
  }
}
