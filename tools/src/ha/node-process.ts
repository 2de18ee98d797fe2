import { spawn, execFileSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
} from 'node:fs';
import path from 'node:path';

/** The OS user the cluster's processes run as: `postgres` when we are root (initdb refuses root). */
export interface ServiceUser {
  name: string;
  uid: number;
  gid: number;
}

export function serviceUser(): ServiceUser | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { name: 'postgres', uid: id('-u'), gid: id('-g') };
}

/**
 * Creates a folder the service user owns (PostgreSQL wants its data folder 0700 and its own).
 * Its parents are created searchable by all, and each must be searchable by the service user:
 * a folder under a private home (0700) fails here with a message rather than later in etcd's
 * or Patroni's log.
 */
export function makeOwnedDir(dir: string, user: ServiceUser | null): void {
  mkdirSync(path.dirname(dir), { recursive: true });
  if (!existsSync(dir)) mkdirSync(dir, { mode: 0o700 });
  if (!user) return;
  chownSync(dir, user.uid, user.gid);
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = statSync(d);
    const searchable =
      (st.mode & 0o001) !== 0 ||
      (st.gid === user.gid && (st.mode & 0o010) !== 0) ||
      (st.uid === user.uid && (st.mode & 0o100) !== 0);
    if (!searchable) {
      throw new Error(
        `the ${user.name} user cannot reach ${dir}: ${d} is not searchable by it (chmod o+x ${d}, or choose another folder)`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

/**
 * Starts a long-running process detached from this one (its own session, so it outlives the
 * command that started it), as the service user, its output appended to `logFile`. Returns its
 * process id.
 */
export function spawnDetached(
  command: string,
  args: string[],
  o: { logFile: string; user: ServiceUser | null; cwd: string; env?: Record<string, string> },
): number {
  const log = openSync(o.logFile, 'a');
  if (o.user) chownSync(o.logFile, o.user.uid, o.user.gid);
  const child = spawn(command, args, {
    cwd: o.cwd,
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: o.cwd,
      ...o.env,
    },
    ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`${command} did not start; see ${o.logFile}`);
  return child.pid;
}

/** The postmaster's process id from its data folder, or null (not running, or no folder yet). */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** `pid` and every process below it (a postmaster's backends, a Patroni's helpers), from /proc. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

/** SIGKILL to each process; one already gone is no error. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
