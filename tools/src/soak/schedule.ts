import { foldReadings, type Sample } from './sample';

/**
 * Readings on a fixed schedule from `t0` (a slow reading does not shift the next one), folded
 * into one sample every `sampleSeconds`: sample 0 is the reading at t0, sample k the peak of
 * the readings after sample k-1 up to and including the one at k × sampleSeconds. Readings
 * come every `readEverySeconds` or a little more often, so that each sample is an exact
 * number of them.
 */
export interface ScheduleOptions {
  t0: number;
  minutes: number;
  sampleSeconds: number;
  readEverySeconds: number;
  /** One reading of every series; whatever does not answer is left out, never thrown. */
  read: () => Promise<Record<string, number>>;
  onSample: (sample: Sample) => void;
  /** Checked before each reading: false ends the sampling early. */
  keepGoing: () => boolean;
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
}

export async function sampleOnSchedule(o: ScheduleOptions): Promise<Sample[]> {
  const perSample = Math.max(1, Math.ceil(o.sampleSeconds / o.readEverySeconds));
  const readEveryMs = (o.sampleSeconds * 1000) / perSample;
  const samplesDue = Math.floor((o.minutes * 60) / o.sampleSeconds);
  const samples: Sample[] = [];
  let pending: Array<Record<string, number>> = [];
  for (let r = 0; r <= samplesDue * perSample && o.keepGoing(); r++) {
    await o.sleep(Math.max(0, o.t0 + r * readEveryMs - o.now()));
    pending.push(await o.read());
    if (r % perSample !== 0) continue;
    const sample: Sample = {
      minute: ((r / perSample) * o.sampleSeconds) / 60,
      elapsedSeconds: (o.now() - o.t0) / 1000,
      readings: pending.length,
      series: foldReadings(pending),
    };
    pending = [];
    samples.push(sample);
    o.onSample(sample);
  }
  return samples;
}
