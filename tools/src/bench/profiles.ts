import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  formatProfileSummary,
  readProfile,
  summarizeProfile,
  type ProfileSummary,
} from './cpu-profile';

/** Our probe and node --cpu-prof name files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
export function pidOfProfileFile(file: string): number | null {
  const m = /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(path.basename(file));
  return m ? Number(m[1]) : null;
}

export interface ProcessProfile {
  process: string;
  file: string;
  /** CPU the process used in the measured window, % of one core (from /proc). */
  cpuPercent: number;
  summary: ProfileSummary;
}

/**
 * The profile of every process of a configuration that left one in `dir` (one file per
 * process: the probe profiles the main thread only), busiest first.
 */
export function processProfiles(
  dir: string,
  pids: Map<number, string>,
  cpuPercent: Record<string, number>,
): ProcessProfile[] {
  const out: ProcessProfile[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const file = path.join(dir, f);
    const pid = pidOfProfileFile(file);
    const name = pid === null ? undefined : pids.get(pid);
    if (!name || statSync(file).size === 0) continue;
    out.push({
      process: name,
      file,
      cpuPercent: cpuPercent[name] ?? 0,
      summary: summarizeProfile(readProfile(file)),
    });
  }
  return out.sort((a, b) => b.cpuPercent - a.cpuPercent);
}

/** The busiest process of each kind (the name without its index: replica-1 -> replica). */
export function busiestOfEachKind(profiles: ProcessProfile[]): ProcessProfile[] {
  const seen = new Set<string>();
  return profiles.filter((p) => {
    const kind = p.process.replace(/-\d+$/, '');
    if (seen.has(kind)) return false;
    seen.add(kind);
    return true;
  });
}

export function formatProcessProfile(p: ProcessProfile, top = 12): string {
  const trimmed = {
    ...p.summary,
    byFunction: p.summary.byFunction.slice(0, top),
    byModule: p.summary.byModule.slice(0, top),
  };
  return `${p.process} (${p.cpuPercent.toFixed(0)}% of a core in the window; ${path.basename(p.file)})\n${formatProfileSummary(trimmed)}`;
}
