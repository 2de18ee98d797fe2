import { closeSync, openSync, readSync } from 'node:fs';

/** How much of a log before an exit is searched for the reason the process stopped. */
const TAIL_BYTES = 64 * 1024;
/** pino's level for `error`; `fatal` is 60. */
const ERROR_LEVEL = 50;
const REASON_CHARS_MAX = 300;

/**
 * Why a service stopped by itself, from the first `endByte` bytes of its log (what it wrote
 * before it was restarted): the message and error of its last error or fatal line, or its
 * last line when it logged no error (a crash that bypassed the logger). Null when the log
 * cannot be read or is empty.
 */
export function exitReasonFromLog(logFile: string, endByte: number): string | null {
  const text = readTail(logFile, endByte);
  if (text === null) return null;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const entry = parseLogLine(lines[i]!);
    if (entry && typeof entry.level === 'number' && entry.level >= ERROR_LEVEL) {
      const parts = [entry.msg, entry.err].filter((p) => typeof p === 'string' && p !== '');
      return parts.join(': ').slice(0, REASON_CHARS_MAX);
    }
  }
  const last = lines.at(-1);
  return last === undefined ? null : last.slice(0, REASON_CHARS_MAX);
}

function readTail(file: string, endByte: number): string | null {
  const start = Math.max(0, endByte - TAIL_BYTES);
  const buffer = Buffer.alloc(endByte - start);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const read = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

interface LogEntry {
  level?: unknown;
  msg?: unknown;
  err?: unknown;
}

function parseLogLine(line: string): LogEntry | null {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as LogEntry) : null;
  } catch {
    return null;
  }
}
