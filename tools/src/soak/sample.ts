/**
 * One point of every series the soak watches. `minute` is the nominal time of the sample
 * (sample number × sampling interval), so window edges never depend on how long a reading
 * took; `elapsedSeconds` is when its last reading was really taken. Each value is the PEAK of
 * the `readings` taken since the previous sample (the heap's trough: foldReadings): the judge compares maxima, and a series
 * that rises and is truncated in cycles (decisions until the next snapshot, about a minute
 * at the soak's load) would otherwise alias with a once-a-minute reading, its sampled
 * maximum depending on luck. A series absent from `series` was readable in none of them
 * (its process was down, the database did not answer).
 */
export interface Sample {
  minute: number;
  elapsedSeconds: number;
  readings: number;
  series: Record<string, number>;
}

/**
 * The JS heap is the exception: its TROUGH is kept. V8 lets the heap fill up to a limit it
 * raises as the process lives, then collects, so the peaks of heap used drift up with that
 * limit whether or not anything leaks; the lowest reading of an interval is close to what
 * survived its last collection, and a leak raises exactly that.
 */
export const TROUGH_SERIES_PREFIX = 'heap_used_bytes.';

/**
 * Folds an interval's readings into one value per series: the largest, or for the heap the
 * smallest (TROUGH_SERIES_PREFIX). A series missing from one reading is skipped there.
 */
export function foldReadings(
  readings: ReadonlyArray<Record<string, number>>,
): Record<string, number> {
  const folded: Record<string, number> = {};
  for (const reading of readings)
    for (const [name, value] of Object.entries(reading)) {
      const pick = name.startsWith(TROUGH_SERIES_PREFIX) ? Math.min : Math.max;
      folded[name] = name in folded ? pick(folded[name]!, value) : value;
    }
  return folded;
}

/** Every series name that appears in any sample, sorted. */
export function seriesNames(samples: readonly Sample[]): string[] {
  const names = new Set<string>();
  for (const s of samples) for (const name of Object.keys(s.series)) names.add(name);
  return [...names].sort();
}

/** The (minute, value) points of one series, in sample order, skipping samples without it. */
export function pointsOf(samples: readonly Sample[], name: string): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const s of samples) {
    const v = s.series[name];
    if (v !== undefined) points.push([s.minute, v]);
  }
  return points;
}
