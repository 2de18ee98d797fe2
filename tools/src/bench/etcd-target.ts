import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ETCD_CONFIGURATION } from './configurations';
import { etcdMemberArgs, etcdMembers, type EtcdMember } from './etcd-members';
import type { BenchTarget } from './target';

export interface EtcdTargetOptions {
  binary: string;
  basePort: number;
  /** Where the members' logs go (their data goes to a fresh temporary directory). */
  logDir: string;
  log: (line: string) => void;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * Starts a three-member etcd cluster on loopback, in a fresh temporary data directory that
 * stop() removes, and waits until every member reports itself healthy (a leader elected).
 * Its processes are counted for CPU like the fleet's (snapshot.ts, group `roles`).
 */
export async function startEtcdTarget(o: EtcdTargetOptions): Promise<BenchTarget> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paxos-bench-etcd-'));
  const members = etcdMembers(o.basePort, dataDir);
  const token = `paxos-bench-${process.pid}-${Date.now()}`;
  const children = members.map((m) => spawnMember(o, m, members, token));
  const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c, running)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(members, () => children.every(running));
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; see the logs in ${o.logDir}`, { cause: err });
  }
  return {
    configuration: ETCD_CONFIGURATION,
    replicaUrls: members.map((m) => m.clientUrl),
    roles: [],
    processes: () =>
      members.map((m, i) => ({
        name: m.name,
        kind: 'etcd',
        pid: running(children[i]!) ? (children[i]!.pid ?? null) : null,
      })),
    requestCounterPort: null,
    database: null,
    stop,
  };
}

function spawnMember(
  o: EtcdTargetOptions,
  member: EtcdMember,
  members: EtcdMember[],
  token: string,
): ChildProcess {
  const logFile = openSync(path.join(o.logDir, `${member.name}.log`), 'w');
  const child = spawn(o.binary, etcdMemberArgs(member, members, token), {
    stdio: ['ignore', logFile, logFile],
  });
  closeSync(logFile);
  child.on('error', (err) => o.log(`[etcd] ${member.name}: ${err.message}`));
  return child;
}

async function stopChild(c: ChildProcess, running: (c: ChildProcess) => boolean): Promise<void> {
  if (!running(c)) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Every member answers GET /health with `"health":"true"` once the cluster has a leader. */
async function waitHealthy(members: EtcdMember[], alive: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const m of members) {
    for (;;) {
      if (!alive()) throw new Error('an etcd member exited while starting');
      if (Date.now() > deadline) throw new Error(`etcd was not healthy in ${READY_TIMEOUT_MS} ms`);
      if (await isHealthy(m.clientUrl)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function isHealthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}
