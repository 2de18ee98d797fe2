import { readFile } from 'node:fs/promises';
import { sumSeries } from '../bench/service-metrics';

/**
 * Memory of one fleet process: its resident set from /proc (Linux), which covers every
 * process including the data API, and the JS heap a role service reports on /metrics
 * (prom-client's default metrics under the `paxos_process_` prefix of runtime/metrics.ts).
 */

/** The prom-client series of the used JS heap, as the role services name it. */
export const HEAP_USED_METRIC = 'paxos_process_nodejs_heap_size_used_bytes';

/** VmRSS of a /proc/<pid>/status text, in bytes; null when the line is missing. */
export function parseVmRssBytes(statusText: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : null;
}

/** Resident bytes of a process, or null when it is gone (or /proc is not there). */
export async function rssBytesOf(pid: number): Promise<number | null> {
  try {
    return parseVmRssBytes(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** The used JS heap a service reports, or null when it does not answer in time. */
export async function heapUsedBytesOf(port: number, timeoutMs: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return null;
    const text = await res.text();
    return text.includes(HEAP_USED_METRIC) ? sumSeries(text, HEAP_USED_METRIC) : null;
  } catch {
    return null;
  }
}
