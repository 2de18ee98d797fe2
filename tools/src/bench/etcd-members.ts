import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * The three-member etcd cluster the bench compares the fleet with: its members' ports and
 * command lines. Member i serves clients on basePort + 2i and its peers on basePort + 2i + 1
 * (2379..2384 by default), on loopback. Every member fsyncs its WAL as etcd does by default:
 * the comparison is between two durable systems, so no flag here may trade that away.
 */

export const ETCD_MEMBERS = 3;
export const DEFAULT_ETCD_BASE_PORT = 2379;

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
}

export function etcdMembers(basePort: number, dataDir: string): EtcdMember[] {
  return Array.from({ length: ETCD_MEMBERS }, (_, i) => ({
    name: `etcd-${i}`,
    clientUrl: `http://127.0.0.1:${basePort + 2 * i}`,
    peerUrl: `http://127.0.0.1:${basePort + 2 * i + 1}`,
    dataDir: path.join(dataDir, `etcd-${i}`),
  }));
}

/** The command line of `member` in a fresh cluster of `members` (token: one cluster per run). */
export function etcdMemberArgs(member: EtcdMember, members: EtcdMember[], token: string): string[] {
  const flags: Array<[string, string]> = [
    ['--name', member.name],
    ['--data-dir', member.dataDir],
    ['--listen-client-urls', member.clientUrl],
    ['--advertise-client-urls', member.clientUrl],
    ['--listen-peer-urls', member.peerUrl],
    ['--initial-advertise-peer-urls', member.peerUrl],
    ['--initial-cluster', members.map((m) => `${m.name}=${m.peerUrl}`).join(',')],
    ['--initial-cluster-state', 'new'],
    ['--initial-cluster-token', token],
    ['--logger', 'zap'],
    ['--log-level', 'warn'],
  ];
  return flags.flat();
}

/** The first executable `name` on `searchPath` (PATH's syntax), or null. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export const ETCD_INSTALL_HINT = 'Debian: apt-get install etcd-server etcd-client';
