import { pointsOf, seriesNames, type Sample } from './sample';

/**
 * The soak's verdict on boundedness (issue: "on a fixed key space, it fails if any series'
 * maximum over the last 10 minutes exceeds 1.2 times its maximum over minutes 5 to 15").
 * Minutes 0-5 are left out of the baseline: caches, sessions and the JIT are still filling.
 * A run shorter than 30 minutes shrinks both windows by minutes/30, so a 3-minute try judges
 * minutes 2-3 against minutes 0.5-1.5; a longer run keeps them as they are.
 */

/** Inclusive [from, to] in minutes since the soak started. */
export type MinuteWindow = readonly [number, number];

export interface JudgeWindows {
  baseline: MinuteWindow;
  late: MinuteWindow;
  /** 1 for runs of 30 minutes or more; minutes/30 below that. */
  scale: number;
}

export interface JudgeSettings {
  runMinutes: number;
  /** The late maximum may exceed the baseline maximum by this factor (1.2). */
  ratio: number;
  /**
   * Absolute headroom a series may grow by on top of the ratio (0 when not given): the bound
   * is max(ratio × baseline, baseline + allowance). For series the faults themselves inflate
   * by an amount that does not grow with the run (series-allowances.ts).
   */
  allowance?: (series: string) => number;
}

export interface SeriesVerdict {
  series: string;
  ok: boolean;
  baselineMax: number | null;
  lateMax: number | null;
  bound: number | null;
  /** One readable line: why it passed or failed. */
  line: string;
}

export interface Judgement {
  windows: JudgeWindows;
  /** Says how the windows were chosen (scaled or not). */
  note: string;
  verdicts: SeriesVerdict[];
  failures: SeriesVerdict[];
}

export const BASELINE_WINDOW_MINUTES: MinuteWindow = [5, 15];
export const LATE_WINDOW_MINUTES = 10;
export const FULL_RUN_MINUTES = 30;
export const GROWTH_RATIO = 1.2;

export function judgeWindows(runMinutes: number): JudgeWindows {
  if (!(runMinutes > 0)) throw new Error(`a soak needs a positive length, got ${runMinutes}`);
  const scale = Math.min(1, runMinutes / FULL_RUN_MINUTES);
  return {
    baseline: [BASELINE_WINDOW_MINUTES[0] * scale, BASELINE_WINDOW_MINUTES[1] * scale],
    late: [runMinutes - LATE_WINDOW_MINUTES * scale, runMinutes],
    scale,
  };
}

/** Tolerates the rounding of minute = tick × seconds / 60 at the window edges. */
const EDGE_MINUTES = 1e-9;
const within = (minute: number, [from, to]: MinuteWindow): boolean =>
  minute >= from - EDGE_MINUTES && minute <= to + EDGE_MINUTES;

function maxIn(points: Array<[number, number]>, window: MinuteWindow): number | null {
  let max: number | null = null;
  for (const [minute, value] of points)
    if (within(minute, window)) max = max === null ? value : Math.max(max, value);
  return max;
}

export const formatMinutes = ([from, to]: MinuteWindow): string =>
  `${+from.toFixed(2)}-${+to.toFixed(2)}`;

export function judgeSamples(samples: readonly Sample[], settings: JudgeSettings): Judgement {
  const windows = judgeWindows(settings.runMinutes);
  const base = formatMinutes(windows.baseline);
  const late = formatMinutes(windows.late);
  const note =
    windows.scale < 1
      ? `windows scaled by ${+windows.scale.toFixed(3)} for a ${settings.runMinutes}-minute run: minutes ${late} against minutes ${base} (a 30-minute run: 20-30 against 5-15)`
      : `minutes ${late} against minutes ${base}`;
  const verdicts = seriesNames(samples).map((series): SeriesVerdict => {
    const points = pointsOf(samples, series);
    const baselineMax = maxIn(points, windows.baseline);
    const lateMax = maxIn(points, windows.late);
    if (baselineMax === null || lateMax === null) {
      const missing = baselineMax === null ? `minutes ${base}` : `minutes ${late}`;
      return {
        series,
        ok: false,
        baselineMax,
        lateMax,
        bound: null,
        line: `${series}: no sample in ${missing}, so its growth cannot be judged`,
      };
    }
    const allowance = settings.allowance?.(series) ?? 0;
    const bound = Math.max(settings.ratio * baselineMax, baselineMax + allowance);
    const ok = lateMax <= bound;
    const boundText =
      allowance > 0
        ? `max(${settings.ratio} × ${fmt(baselineMax)}, ${fmt(baselineMax)} + ${fmt(allowance)})`
        : `${settings.ratio} × ${fmt(baselineMax)}`;
    const line = ok
      ? `${series}: max ${fmt(lateMax)} over minutes ${late} within ${fmt(bound)} = ${boundText} (max over minutes ${base})`
      : `${series} grew: max ${fmt(lateMax)} over minutes ${late} exceeds ${fmt(bound)} = ${boundText} (max over minutes ${base})`;
    return { series, ok, baselineMax, lateMax, bound, line };
  });
  return { windows, note, verdicts, failures: verdicts.filter((v) => !v.ok) };
}

/**
 * Whole numbers as they are, others to one decimal: a bound shown to 3 significant digits
 * (34000000 for 33957849.6) could read as above the value it fails.
 */
export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
