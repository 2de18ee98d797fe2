import {
  FAILOVER_WINDOW_MS,
  failoverFigures,
  failoverLine,
  leaderChangesIn,
  summarizeFailover,
  type FailoverFigure,
  type FailoverSummary,
  type LeaderFault,
  type LeadershipChange,
} from '../fleet/leadership';
import type { FaultRecord } from './nemesis';
import { MEMBERSHIP_TARGET } from './rig';

/** The chaos run's failover figures: its line, and what failover.json holds. */
export interface FailoverReport {
  line: string;
  windowMs: number;
  summary: FailoverSummary;
  /** Changes of leader in the whole run, whatever moved them (the first election excluded). */
  leaderChangesInRun: number;
  /** Times in milliseconds from the start of the faults. */
  faults: FailoverFigure[];
  timeline: LeadershipChange[];
}

/**
 * The nemesis's faults that can move leadership by themselves, as the figures take them: any
 * fault of a leader, and any of the data API, the database or the membership, which silence
 * every leader at once or elect a new configuration's. A change after one of these is its own,
 * not the kill's before it. Faults that could not be applied are left out.
 */
export function leadershipFaults(
  log: readonly FaultRecord[],
  isLeader: (name: string) => boolean,
): LeaderFault[] {
  return log
    .filter((r) => !r.error)
    .filter(
      (r) =>
        isLeader(r.target) ||
        r.kind === 'db' ||
        r.target === 'neurelo' ||
        r.target === MEMBERSHIP_TARGET,
    )
    .map((r) => ({ atMs: Math.round(r.startMs), target: r.target, kind: r.kind }));
}

/** The figures of a run whose timeline is on the wall clock and whose faults are from t0. */
export function failoverReport(
  timeline: readonly LeadershipChange[],
  log: readonly FaultRecord[],
  o: { t0: number; observedUntilMs: number; isLeader: (name: string) => boolean },
): FailoverReport {
  const fromT0 = timeline.map((c) => ({ ...c, atMs: Math.round(c.atMs - o.t0) }));
  const faults = failoverFigures(fromT0, leadershipFaults(log, o.isLeader), {
    observedUntilMs: o.observedUntilMs - o.t0,
    windowMs: FAILOVER_WINDOW_MS,
  });
  const summary = summarizeFailover(faults);
  const leaderChangesInRun = leaderChangesIn(fromT0);
  // Changes no kill or pause of the leader accounts for: after a fault of the data API, the
  // database, a passive leader, or with no fault at all (a duel, a leader deposed while alive).
  const others = leaderChangesInRun - faults.reduce((n, f) => n + f.leaderChanges, 0);
  return {
    line:
      failoverLine(summary, FAILOVER_WINDOW_MS) +
      (others > 0 ? `; ${others} other change${others === 1 ? '' : 's'} of leader in the run` : ''),
    windowMs: FAILOVER_WINDOW_MS,
    summary,
    leaderChangesInRun,
    faults,
    timeline: fromT0,
  };
}
