import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * One process per PGlite data folder. PGlite runs PostgreSQL inside this process and takes no
 * lock of its own on the folder: two processes on one folder both acknowledge writes, each
 * from its own copy in memory, and rows are lost when the folder is opened again. So the data
 * API takes this lock before it opens PGlite, and a second process stops at start-up.
 *
 * The lock is a file in the folder holding the holder's pid, host and process start time. It is
 * created whole, atomically: written under a name of its own, then hard-linked to the lock's
 * name, which fails if a lock exists. A lock whose process is gone (SIGKILL leaves it behind) is
 * stale and taken over; the start time tells a pid reused by another process from the holder.
 * A lock from another host cannot be checked and is never taken over.
 */
export const LOCK_FILE_NAME = 'neurelo-local.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux /proc), when known. */
  startTicks?: string;
}

/** Another live process holds the folder: this one must not open it. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
    super(
      `the PGlite data folder ${dataDir} is in use by process ${holder.pid}${where}: ` +
        `only one data API process may open it. Stop that process, or use another ` +
        `PGLITE_DATA_DIR. If no such process exists any more, delete ${lockFile}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly lockFile: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

/**
 * Takes the folder's lock for this process (creating the folder if needed), or throws
 * DataDirLockedError naming the live holder. `onTakeOver` hears of a stale lock taken over.
 */
export function lockDataDir(
  dataDir: string,
  onTakeOver: (stale: LockHolder, lockFile: string) => void = () => undefined,
): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, LOCK_FILE_NAME);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startTicks: startTicksOf(process.pid),
  };
  const mine = `${JSON.stringify(me)}\n`;
  // A few rounds: each one either takes the lock, finds a live holder, or clears a stale lock
  // that another starting process may then take first.
  for (let round = 0; round < 5; round++) {
    if (tryCreate(lockFile, mine)) return heldLock(lockFile, mine);
    const seen = readLock(lockFile);
    if (seen === 'gone') continue;
    // A lock file is never seen half written (tryCreate), so one that does not parse was not
    // made by a data API process: stale, like the lock of a process that is gone.
    if (seen.holder !== undefined && isAlive(seen.holder)) {
      throw new DataDirLockedError(dataDir, seen.holder, lockFile);
    }
    if (removeIfUnchanged(lockFile, seen.ino)) {
      onTakeOver(seen.holder ?? { pid: 0, host: 'unknown' }, lockFile);
    }
  }
  throw new Error(`could not take the lock ${lockFile}: other processes keep taking it`);
}

function heldLock(lockFile: string, mine: string): DataDirLock {
  return {
    lockFile,
    release: () => {
      try {
        if (readFileSync(lockFile, 'utf8') === mine) unlinkSync(lockFile);
      } catch {
        // already gone
      }
    },
  };
}

/** Creates the lock file with its whole content, or returns false if one exists. */
function tryCreate(lockFile: string, content: string): boolean {
  const draft = `${lockFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(draft, 'wx');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, lockFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(draft);
  }
}

interface SeenLock {
  holder: LockHolder | undefined;
  ino: number;
}

function readLock(lockFile: string): SeenLock | 'gone' {
  try {
    const stat = statSync(lockFile);
    const text = readFileSync(lockFile, 'utf8');
    return { holder: parseHolder(text), ino: stat.ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isSafeInteger(v.pid) || typeof v.host !== 'string') return undefined;
    return {
      pid: v.pid!,
      host: v.host,
      ...(typeof v.startTicks === 'string' ? { startTicks: v.startTicks } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Moves the stale lock aside and deletes it, but only if it is still the file that was judged
 * stale (the same inode): another starting process may have replaced it meanwhile, and its
 * fresh lock must stay. Returns whether the stale lock was removed.
 */
function removeIfUnchanged(lockFile: string, ino: number): boolean {
  const aside = `${lockFile}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (statSync(aside).ino !== ino) {
    // Someone's fresh lock: put it back (unless yet another one appeared, which then holds).
    try {
      linkSync(aside, lockFile);
    } catch {
      // that other lock wins
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

/** Whether the lock's holder may still run. A holder on another host always may. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  // Our own pid in the file is a previous life of this container (pids restart from 1).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStatOf(holder.pid);
  if (stat === undefined) return true; // no /proc: the pid exists, trust it
  if (stat.state === 'Z' || stat.state === 'X') return false; // dead, not yet reaped
  return holder.startTicks === undefined || holder.startTicks === stat.startTicks;
}

function startTicksOf(pid: number): string | undefined {
  return procStatOf(pid)?.startTicks;
}

/** State and start time from /proc/<pid>/stat (Linux); undefined elsewhere. */
function procStatOf(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const startTicks = fields[19]; // field 22 of proc(5); fields[0] is field 3, the state
    if (state === undefined || startTicks === undefined) return undefined;
    return { state, startTicks };
  } catch {
    return undefined;
  }
}
