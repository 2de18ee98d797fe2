/**
 * Who leads, over time: a timeline of the active leader, and the failover figures `npm start`
 * and the chaos tool print from it (issue 19: time from a fault to another active leader, and
 * changes of leader per fault). The recorder polls; the figures are a pure function of the
 * timeline and the faults.
 */
import { percentile } from '../workload/stats';
import { ballotRound } from './observe';
import { getJson } from './service-process';

/** The active leader changed at `atMs` (wall clock): to `leader` at `ballot`, or to nobody. */
export interface LeadershipChange {
  atMs: number;
  leader: string | null;
  ballot: string | null;
}

/**
 * A fault, at `atMs` (the timeline's clock). A `kill` or a `pause` of the active leader is
 * measured; every fault given ends the watch over the one before it, so the caller passes only
 * the faults that can move leadership by themselves.
 */
export interface LeaderFault {
  atMs: number;
  target: string;
  kind: string;
}

export interface FailoverFigure {
  fault: LeaderFault;
  /**
   * taken-over: another leader became active first; came-back: the stopped leader did (a pause
   * shorter than the failure-detection timeout, say), whatever happened after; cut-short: the
   * next fault or the end of the recording came before any leader; no-leader: nobody for the
   * whole window.
   */
  outcome: 'taken-over' | 'came-back' | 'cut-short' | 'no-leader';
  /** From the fault to the first answer of another leader saying it is active, if first. */
  takeoverAfterMs: number | null;
  /** Leaders that became active in turn (a new leader, or one at a new ballot). */
  leaderChanges: number;
  /** How long after the fault its changes were counted. */
  watchedMs: number;
  /** `leader-1 at 3.leader-1 +1210 ms`, in order. */
  sequence: string[];
}

/** How long after a fault its changes of leader are counted, unless the next fault comes first. */
export const FAILOVER_WINDOW_MS = 15_000;

const STOPPING_FAULTS = new Set(['kill', 'pause']);

const epochOf = (ballot: string | null): number => Number(/^e(\d+):/.exec(ballot ?? '')?.[1] ?? 0);

/**
 * Whether `next` is a change of leader after `prev` (both active): another leader, or the same
 * one elected again at a new ballot (it lost its leadership in between, if only for a moment).
 * The same leader moving to a new configuration's epoch is not an election lost.
 */
function isChange(prev: LeadershipChange, next: LeadershipChange): boolean {
  if (prev.leader !== next.leader) return true;
  return prev.ballot !== next.ballot && epochOf(prev.ballot) === epochOf(next.ballot);
}

/** The entry in force at `atMs` (the last one at or before it). */
function inForceAt(timeline: readonly LeadershipChange[], atMs: number): LeadershipChange | null {
  let found: LeadershipChange | null = null;
  for (const c of timeline) {
    if (c.atMs > atMs) break;
    found = c;
  }
  return found;
}

/**
 * One figure per kill or pause of the leader active at that moment. Its changes are counted
 * until the next fault given, `windowMs` after it, or `observedUntilMs`, whichever comes first.
 * `timeline` is in time order.
 */
export function failoverFigures(
  timeline: readonly LeadershipChange[],
  faults: readonly LeaderFault[],
  o: { observedUntilMs: number; windowMs?: number },
): FailoverFigure[] {
  const windowMs = o.windowMs ?? FAILOVER_WINDOW_MS;
  const ordered = [...faults].sort((a, b) => a.atMs - b.atMs);
  const figures: FailoverFigure[] = [];
  ordered.forEach((fault, i) => {
    const before = inForceAt(timeline, fault.atMs);
    if (!STOPPING_FAULTS.has(fault.kind) || before?.leader !== fault.target) return;
    const nextFaultAt = ordered.slice(i + 1).find((f) => f.atMs > fault.atMs)?.atMs ?? Infinity;
    const endMs = Math.min(nextFaultAt, fault.atMs + windowMs, o.observedUntilMs);
    let last: LeadershipChange = before;
    let takeoverAfterMs: number | null = null;
    let cameBack = false;
    const sequence: string[] = [];
    for (const c of timeline) {
      if (c.atMs <= fault.atMs || c.leader === null) continue;
      if (c.atMs >= endMs) break;
      // Once the stopped leader is back, a later leader deposed a live one: a change, but no
      // failover from this fault.
      if (c.leader === fault.target) cameBack ||= takeoverAfterMs === null;
      else if (!cameBack) takeoverAfterMs ??= c.atMs - fault.atMs;
      if (isChange(last, c)) {
        sequence.push(`${c.leader} at ${c.ballot ?? '?'} +${Math.round(c.atMs - fault.atMs)} ms`);
      }
      last = c;
    }
    const fullWindow = endMs === fault.atMs + windowMs;
    figures.push({
      fault,
      outcome:
        takeoverAfterMs !== null
          ? 'taken-over'
          : cameBack
            ? 'came-back'
            : fullWindow
              ? 'no-leader'
              : 'cut-short',
      takeoverAfterMs,
      leaderChanges: sequence.length,
      watchedMs: Math.max(0, endMs - fault.atMs),
      sequence,
    });
  });
  return figures;
}

/** Changes of leader in a whole timeline (the first leader elected is not a change). */
export function leaderChangesIn(timeline: readonly LeadershipChange[]): number {
  let last: LeadershipChange | null = null;
  let changes = 0;
  for (const c of timeline) {
    if (c.leader === null) continue;
    if (last && isChange(last, c)) changes += 1;
    last = c;
  }
  return changes;
}

export interface FailoverSummary {
  faults: number;
  takenOver: number;
  takeoverP50Ms: number | null;
  takeoverMaxMs: number | null;
  leaderChangesMax: number;
  cameBack: number;
  cutShort: number;
  noLeader: number;
}

export function summarizeFailover(figures: readonly FailoverFigure[]): FailoverSummary {
  const times = figures.flatMap((f) => (f.takeoverAfterMs === null ? [] : [f.takeoverAfterMs]));
  const count = (o: FailoverFigure['outcome']) => figures.filter((f) => f.outcome === o).length;
  return {
    faults: figures.length,
    takenOver: times.length,
    takeoverP50Ms: times.length ? Math.round(percentile(times, 50)) : null,
    takeoverMaxMs: times.length ? Math.round(Math.max(...times)) : null,
    leaderChangesMax: Math.max(0, ...figures.map((f) => f.leaderChanges)),
    cameBack: count('came-back'),
    cutShort: count('cut-short'),
    noLeader: count('no-leader'),
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The chaos tool's line: `failover: 4 faults stopped the active leader; another leader ...`. */
export function failoverLine(s: FailoverSummary, windowMs = FAILOVER_WINDOW_MS): string {
  if (s.faults === 0) return 'failover: no fault stopped the active leader';
  const parts = [`failover: ${plural(s.faults, 'fault', 'faults')} stopped the active leader`];
  parts.push(
    s.takenOver === 0
      ? 'no other leader took over'
      : `another leader active after p50 ${s.takeoverP50Ms} ms, max ${s.takeoverMaxMs} ms` +
          (s.takenOver < s.faults ? ` (${s.takenOver} of them)` : ''),
  );
  parts.push(`leader changes per fault: max ${s.leaderChangesMax}`);
  if (s.cameBack) parts.push(`the stopped leader came back first after ${s.cameBack}`);
  if (s.cutShort) parts.push(`${s.cutShort} cut short by the next fault before any leader`);
  if (s.noLeader) parts.push(`${s.noLeader} with no leader for ${windowMs / 1000} s`);
  return parts.join('; ');
}

/** `npm start`'s: one kill of the active leader. */
export function killFailoverText(figure: FailoverFigure | undefined): string {
  if (!figure) return 'the killed leader was not the active one';
  const took =
    figure.takeoverAfterMs !== null
      ? `another leader active ${Math.round(figure.takeoverAfterMs)} ms after the kill`
      : figure.outcome === 'came-back'
        ? 'no other leader became active before the killed one came back'
        : `no other leader became active within ${Math.round(figure.watchedMs / 1000)} s`;
  return `${took}; leader changes: ${figure.leaderChanges}`;
}

export interface LeaderEndpoint {
  name: string;
  port: number;
}

export interface TimelineOptions {
  /** The leaders now (read at every poll: members come and go). */
  leaders: () => readonly LeaderEndpoint[];
  /** A leader not running is not active, without asking it. */
  isRunning: (name: string) => boolean;
  clock: () => number;
  pollMs?: number;
  /** A leader whose answer is this late counts as not active (a paused one never answers). */
  staleMs?: number;
  read?: (port: number, timeoutMs: number) => Promise<unknown>;
}

interface LeaderAnswer {
  state?: { active?: boolean; ballot?: string } | null;
}

/**
 * Polls every leader's /state (one request at a time to each, every pollMs) and records each
 * change of the active leader: the one saying it is active at the highest ballot, as
 * activeLeader() reads it. A change is stamped when the answer that shows it arrives.
 */
export class LeadershipRecorder {
  readonly timeline: LeadershipChange[] = [];
  private readonly views = new Map<string, { active: boolean; ballot: string | null }>();
  private readonly askedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private stoppedAt: number | null = null;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly read: (port: number, timeoutMs: number) => Promise<unknown>;

  constructor(private readonly o: TimelineOptions) {
    this.pollMs = o.pollMs ?? 100;
    this.staleMs = o.staleMs ?? 500;
    this.read = o.read ?? ((port, timeoutMs) => getJson(port, '/state', timeoutMs));
  }

  start(): void {
    this.timer = setInterval(() => this.pollOnce(), this.pollMs);
    this.timer.unref();
    this.pollOnce();
  }

  /** Stops polling; returns when the recording ends (the figures' observedUntilMs). */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stoppedAt ??= this.o.clock();
    return this.stoppedAt;
  }

  /** The active leader as last recorded. */
  get current(): LeadershipChange | null {
    return this.timeline.at(-1) ?? null;
  }

  /** One round: asks each leader not already asked; start() calls it every pollMs. */
  pollOnce(): void {
    const now = this.o.clock();
    for (const { name, port } of this.o.leaders()) {
      if (!this.o.isRunning(name)) {
        this.views.delete(name);
        this.askedAt.delete(name);
        continue;
      }
      const askedAt = this.askedAt.get(name);
      if (askedAt !== undefined) {
        if (now - askedAt > this.staleMs) this.views.delete(name);
        continue;
      }
      this.askedAt.set(name, now);
      // Long enough for a loaded machine; a paused leader's request waits this long, alone.
      void this.read(port, 5 * this.staleMs).then((answer) => {
        if (this.askedAt.get(name) !== now) return;
        this.askedAt.delete(name);
        const state = (answer as LeaderAnswer | null)?.state;
        if (state)
          this.views.set(name, { active: state.active === true, ballot: state.ballot ?? null });
        else this.views.delete(name);
        this.record();
      });
    }
    this.record();
  }

  private record(): void {
    if (this.timer === null) return;
    let best: { leader: string; ballot: string | null } | null = null;
    for (const [leader, v] of this.views) {
      if (!v.active) continue;
      if (!best || ballotRound(v.ballot ?? undefined) > ballotRound(best.ballot ?? undefined)) {
        best = { leader, ballot: v.ballot };
      }
    }
    const last = this.current;
    const leader = best?.leader ?? null;
    const ballot = best?.ballot ?? null;
    if (last && last.leader === leader && last.ballot === ballot) return;
    this.timeline.push({ atMs: this.o.clock(), leader, ballot });
  }
}
