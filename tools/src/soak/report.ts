import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSoakChart } from './chart';
import type { SoakResult, SoakSettings } from './soak-run';

/** `2025-03-01T12-30-05Z`: sorts by time and is a valid file name everywhere. */
export function fileTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/**
 * Writes `soak-<timestamp>.json` (settings, the faults with their times, every sample, every
 * verdict, the final checks) and `soak-<timestamp>.svg` (the chart) into `dir`; returns both paths.
 */
export async function writeSoakReport(
  dir: string,
  startedAt: Date,
  settings: SoakSettings & { storage: string; faultKinds: string[] },
  result: SoakResult,
): Promise<{ json: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `soak-${fileTimestamp(startedAt)}`);
  const { judgement } = result;
  const svg = renderSoakChart({
    title: `soak ${fileTimestamp(startedAt)}: ${settings.minutes} min, seed ${settings.seed}, ${result.failures.length ? 'FAILED' : 'passed'}`,
    runMinutes: settings.minutes,
    samples: result.samples,
    baseline: judgement.windows.baseline,
    late: judgement.windows.late,
    verdicts: new Map(judgement.verdicts.map((v) => [v.series, v])),
  });
  const json = {
    startedAt: startedAt.toISOString(),
    settings,
    passed: result.failures.length === 0,
    failures: result.failures,
    judgement: {
      note: judgement.note,
      windows: judgement.windows,
      verdicts: judgement.verdicts,
    },
    load: result.load,
    faults: result.faults,
    faultLog: result.faultLog,
    final: result.final,
    samples: result.samples,
  };
  await writeFile(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(`${base}.svg`, svg);
  return { json: `${base}.json`, svg: `${base}.svg` };
}
