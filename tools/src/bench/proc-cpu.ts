import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU time of processes from /proc/<pid>/stat (Linux): user + system time in clock ticks.
 * A process that has exited reads as null.
 */

/** utime + stime of one /proc/<pid>/stat line, in clock ticks. */
export function parseProcStatTicks(statLine: string): number {
  // The command name (field 2) is in parentheses and may itself hold spaces or ')':
  // the fields that follow start after the LAST ')'.
  const close = statLine.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line');
  const rest = statLine
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime is field 14 and stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error('utime/stime missing from /proc/<pid>/stat');
  }
  return utime + stime;
}

let clockTicksPerSecond: number | null = null;

/** sysconf(_SC_CLK_TCK); 100 on every Linux we run on, asked once to be sure. */
export function ticksPerSecond(): number {
  if (clockTicksPerSecond === null) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    } catch {
      clockTicksPerSecond = 100;
    }
    if (!Number.isFinite(clockTicksPerSecond) || clockTicksPerSecond <= 0)
      clockTicksPerSecond = 100;
  }
  return clockTicksPerSecond;
}

/** CPU seconds a process has used so far, or null if it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    return parseProcStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** Percent of one core used between two readings (100 = one core busy all the time). */
export function percentOfCore(cpuSeconds: number, wallSeconds: number): number {
  return wallSeconds > 0 ? (100 * cpuSeconds) / wallSeconds : 0;
}
