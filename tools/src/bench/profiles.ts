import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  formatProfileSummary,
  readProfile,
  summarizeProfile,
  type ProfileSummary,
} from './cpu-profile';

/** node --cpu-prof names its files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
export function pidOfProfileFile(file: string): number | null {
  const m = /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(path.basename(file));
  return m ? Number(m[1]) : null;
}

/**
 * Summarises the profile of the process that used the most CPU in the measured window
 * (`cpuPercent` by process name). A process writes one file per thread; the main thread's
 * is the largest (tsx's loader thread barely runs).
 */
export function busiestProfile(
  dir: string,
  pids: Map<number, string>,
  cpuPercent: Record<string, number>,
): { process: string; file: string; summary: ProfileSummary; text: string } | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  const byProcess = new Map<string, string>();
  for (const f of files) {
    const pid = pidOfProfileFile(f);
    const name = pid === null ? undefined : pids.get(pid);
    if (!name) continue;
    const current = byProcess.get(name);
    if (!current || statSync(f).size > statSync(current).size) byProcess.set(name, f);
  }
  const ranked = [...byProcess.keys()].sort((a, b) => (cpuPercent[b] ?? 0) - (cpuPercent[a] ?? 0));
  const name = ranked[0];
  if (!name) return null;
  const file = byProcess.get(name)!;
  const summary = summarizeProfile(readProfile(file));
  return { process: name, file, summary, text: formatProfileSummary(summary) };
}
