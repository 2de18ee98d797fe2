import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/topology';

/** The parts of a V8 .cpuprofile (node --cpu-prof) that a summary needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  what: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time not spent idle (V8's `(idle)` node), i.e. CPU the process used. */
  busyMs: number;
  byFunction: ProfileLine[];
  byModule: ProfileLine[];
}

/**
 * Self time per function and per module (package or source file), from the samples:
 * each sample's time delta is charged to the node it was taken in.
 */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const where = moduleOf(frame.url, frame.functionName);
    const name = `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + ms);
    mod.set(where, (mod.get(where) ?? 0) + ms);
  });
  const busyMs = totalMs - idleMs;
  const lines = (m: Map<string, number>): ProfileLine[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, selfMs]) => ({
        what,
        selfMs,
        percent: busyMs > 0 ? (100 * selfMs) / busyMs : 0,
      }));
  return { totalMs, busyMs, byFunction: lines(fn), byModule: lines(mod) };
}

/** A package name for dependencies, a repo-relative path for our code, `node:...` for Node's. */
export function moduleOf(url: string, functionName = ''): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (file.startsWith('node:')) return file;
  if (path.isAbsolute(file)) return path.relative(REPO_ROOT, file);
  return file;
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function formatProfileSummary(s: ProfileSummary): string {
  const rows = (lines: ProfileLine[]): string =>
    lines
      .map(
        (l) =>
          `  ${l.percent.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.what}`,
      )
      .join('\n');
  return [
    `sampled ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s`,
    'self time by module:',
    rows(s.byModule),
    'self time by function:',
    rows(s.byFunction),
  ].join('\n');
}
