import type { ComposeProject } from './podman';
import { getJson } from './fleet-http';
import { ADDED_MEMBERS, ROLES, urlOf } from './settings';

/** Log lines kept per service: its first lines, then every warning, error and role event. */
const MAX_LINES_PER_SERVICE = 14;
const MAX_LINE_CHARS = 260;

/**
 * What a failed scenario prints to be understood from CI's output alone: each role's own
 * summary (/state: a leader's ballot, whether it is active, its preemptions; a replica's slots),
 * then for each service the log lines that matter (start-up, warnings, errors, role events),
 * repeats squeezed, long lines cut.
 */
export async function reportFailure(project: ComposeProject, name: string): Promise<void> {
  const status = await project.statusLines().catch((e: Error) => e.message);
  console.log(`--- containers of ${name}\n${status}`);
  console.log(`--- what each role says of itself (/state), at ${new Date().toISOString()}`);
  const members = [...ROLES, ...ADDED_MEMBERS];
  for (const role of members)
    console.log(`${role}: ${roleSummary(await getJson(`${urlOf(role)}/state`))}`);
  for (const service of ['postgres', 'neurelo', ...members]) {
    const logs = await project.logs(service, 400).catch(() => '');
    if (logs) console.log(`--- log of ${service} (selected)\n${selectLogLines(logs)}`);
  }
}

/** The fields of a role's /state that say whether it is making progress. */
export function roleSummary(view: unknown): string {
  const v = view as { host?: Record<string, unknown>; state?: Record<string, unknown> } | null;
  if (!v?.state) return 'no answer';
  const s = v.state;
  const pick = (keys: string[]): Record<string, unknown> =>
    Object.fromEntries(keys.filter((k) => k in s).map((k) => [k, s[k]]));
  return JSON.stringify(
    pick([
      'ballot',
      'active',
      'scout',
      'commanders',
      'proposals',
      'highestDecidedSlot',
      'backoffMs',
      'watch',
      'slotIn',
      'slotOut',
      'counters',
    ]),
  ).slice(0, 2 * MAX_LINE_CHARS);
}

/**
 * The first lines of a JSON-lines log (how it started), then its warnings, errors and role
 * events (pino levels >= 40, or msg "role event"), the most recent kept when there are many.
 * Lines that differ only in time and duration are shown once, with a count.
 */
export function selectLogLines(logs: string): string {
  const lines = logs.split('\n').filter((l) => l.length > 0);
  const notable = (line: string): boolean => {
    const level = /"level":(\d+)/.exec(line);
    return level === null || Number(level[1]) >= 40 || line.includes('"msg":"role event"');
  };
  const head = lines.slice(0, 3);
  const rest = squeezeRepeats(lines.slice(3).filter(notable));
  const kept = rest.slice(-(MAX_LINES_PER_SERVICE - head.length));
  const skipped = rest.length - kept.length;
  return [
    ...head.map(cut),
    ...(skipped > 0 ? [`[... ${skipped} earlier notable line(s) left out]`] : []),
    ...kept.map(cut),
  ].join('\n');
}

const cut = (line: string): string =>
  line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}...` : line;

/** Lines that differ only in their timestamps and durations are shown once, with a count. */
function squeezeRepeats(lines: string[]): string[] {
  const shape = (line: string): string =>
    line.replace(/"time":("[^"]*"|\d+)/, '').replace(/"durationMs":[\d.]+/, '');
  const seen = new Map<string, { line: string; count: number }>();
  for (const line of lines) {
    const entry = seen.get(shape(line));
    if (entry) entry.count++;
    else seen.set(shape(line), { line, count: 1 });
  }
  return [...seen.values()].map((e) =>
    e.count > 1 ? `${e.line}   (x${e.count}, the first shown)` : e.line,
  );
}
