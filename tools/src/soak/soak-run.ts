import { Prng } from '@paxos/sim/src/random/prng';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fleet } from '../fleet/fleet';
import { wallClock } from '../workload/run-clients';
import { finalCheck, type FinalCheck } from './final-check';
import { GROWTH_RATIO, judgeSamples, type Judgement } from './judge';
import { progressLine } from './progress-line';
import type { Sample } from './sample';
import { takeReading } from './sampler';
import { sampleOnSchedule } from './schedule';
import { seriesAllowances } from './series-allowances';
import { isOwnKey, runSoakLoad, soakKeys, type SoakWorkload } from './workload';

/**
 * Each sample is the peak of readings this far apart (sample.ts says why). A reading is a
 * /metrics and a /state request to each role and two queries: at this pace a few requests a
 * second, against the load's tens.
 */
export const READ_EVERY_SECONDS = 5;

/** What the soak runs against: a fleet that is up, and the faults to apply to it, if any. */
export interface SoakTarget {
  fleet: Fleet;
  /** The run's own PostgreSQL database, for the table sizes; undefined on PGlite (skipped). */
  databaseUrl: string | undefined;
  /**
   * Makes the nemesis once the soak's clock starts at `t0`: it applies faults until
   * shouldStop(), then heals everything (chaos/nemesis.ts's Nemesis).
   */
  nemesis?: (t0: number, log: (line: string) => void) => SoakNemesis;
}

export interface SoakNemesis {
  run(shouldStop: () => boolean): Promise<void>;
  counts(): Record<string, number>;
  /** One line per fault with its times (`t+12.3s..15.1s pause leader-0`), for the report. */
  lines(): string[];
}

export interface SoakSettings {
  minutes: number;
  sampleSeconds: number;
  seed: number;
  workload: SoakWorkload;
  /** Time given to the linearizability check at the end (running out is not a failure). */
  linearizabilityBudgetMs: number;
}

export interface SoakResult {
  samples: Sample[];
  judgement: Judgement;
  load: { acknowledged: number; unanswered: number };
  faults: Record<string, number>;
  faultLog: string[];
  final: FinalCheck | { error: string };
  /** One line per reason the soak failed; empty when it passed. */
  failures: string[];
  /** The reasons in a few words, for the last line: `2 series grew (a, b); 1 lost write`. */
  failureSummary: string;
}

/**
 * The soak: a steady load and the nemesis for `minutes`, a sample of every series at minute
 * 0 and every `sampleSeconds` after (schedule.ts), then the final checks and the judge.
 */
export async function runSoak(
  target: SoakTarget,
  settings: SoakSettings,
  log: (line: string) => void,
): Promise<SoakResult> {
  const { fleet } = target;
  const prng = new Prng(settings.seed).fork('soak-workload');
  const replicaUrls = fleet.named('replica').map((s) => `http://127.0.0.1:${s.port}`);
  const counters = { acknowledged: 0, unanswered: 0 };
  let sampling = true;
  const shouldStop = (): boolean => !sampling;

  const t0 = wallClock();
  const nemesis = target.nemesis?.(t0, log);
  const faults = (): Record<string, number> => nemesis?.counts() ?? {};
  const load = runSoakLoad({
    workload: settings.workload,
    replicaUrls,
    random: () => prng.nextFloat(),
    shouldStop,
    counters,
  });
  const faulting = nemesis?.run(shouldStop) ?? Promise.resolve();
  // A client that throws (a command the replicas refuse: a bug in the tool) ends the soak
  // early rather than after the whole run; the error surfaces below.
  load.catch(() => (sampling = false));

  let samples: Sample[];
  try {
    samples = await sampleOnSchedule({
      t0,
      minutes: settings.minutes,
      sampleSeconds: settings.sampleSeconds,
      readEverySeconds: Math.min(READ_EVERY_SECONDS, settings.sampleSeconds),
      read: () => takeReading(fleet, target.databaseUrl),
      onSample: (sample) => log(progressLine(sample, settings.minutes, counters, faults())),
      keepGoing: () => sampling,
      now: wallClock,
      sleep,
    });
  } finally {
    sampling = false;
    log('soak: load and faults stopping; waiting for the clients and for the nemesis to heal');
    // Whatever happened, the nemesis heals before anyone takes the fleet down.
    await Promise.allSettled([load, faulting]);
  }
  const [history] = await Promise.all([load, faulting]);

  const judgement = judgeSamples(samples, {
    runMinutes: settings.minutes,
    ratio: GROWTH_RATIO,
    allowance: seriesAllowances({
      faults: nemesis !== undefined,
      commandsPerSecond: history.acknowledged / (settings.minutes * 60),
    }),
  });
  log('soak: every service up again? replicas converged? reading every key back');
  let final: SoakResult['final'];
  try {
    final = await finalCheck({
      fleet,
      replicaUrls,
      history: history.history,
      keys: soakKeys(settings.workload),
      ownedKey: isOwnKey,
      linearizabilityBudgetMs: settings.linearizabilityBudgetMs,
    });
  } catch (err) {
    final = { error: err instanceof Error ? err.message : String(err) };
  }
  return {
    samples,
    judgement,
    load: { acknowledged: history.acknowledged, unanswered: history.unanswered },
    faults: faults(),
    faultLog: nemesis?.lines() ?? [],
    final,
    failures: failureLines(judgement, final),
    failureSummary: failureSummary(judgement, final),
  };
}

function failureLines(judgement: Judgement, final: SoakResult['final']): string[] {
  const lines = judgement.failures.map((v) => v.line);
  if ('error' in final) return [...lines, `final check did not complete: ${final.error}`];
  if (!final.converged) lines.push(`replicas did not converge: ${final.replicas}`);
  if (final.lost.length)
    lines.push(
      `${final.lost.length} acknowledged writes lost: ${JSON.stringify(final.lost.slice(0, 5))}`,
    );
  if (final.unread.length)
    lines.push(`keys that could not be read back: ${final.unread.join(', ')}`);
  if (final.linearizability.linearizable === false)
    lines.push(`not linearizable: ${final.linearizability.explanation ?? ''}`);
  return lines;
}

function failureSummary(judgement: Judgement, final: SoakResult['final']): string {
  const parts: string[] = [];
  const grew = judgement.failures.map((v) => v.series);
  if (grew.length) {
    const named = grew.slice(0, 3).join(', ') + (grew.length > 3 ? ', ...' : '');
    parts.push(`${grew.length} series over their bound (${named})`);
  }
  if ('error' in final) parts.push('final check did not complete');
  else {
    if (!final.converged) parts.push('replicas not converged');
    if (final.lost.length) parts.push(`${final.lost.length} lost writes`);
    if (final.unread.length) parts.push(`${final.unread.length} keys unread`);
    if (final.linearizability.linearizable === false) parts.push('not linearizable');
  }
  return parts.join('; ');
}
