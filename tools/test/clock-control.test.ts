import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ClockControl,
  TRUE_CLOCK,
  faketimeSpec,
  findLibfaketime,
  offsetAt,
} from '../src/chaos/clock-control';

describe('the clock fault', () => {
  test('a new rate starts without a jump', () => {
    const old = { offsetS: 2, rate: 1.04 };
    const elapsedS = 30;
    const shownBefore = elapsedS * old.rate + old.offsetS;
    const offset = offsetAt(elapsedS, old, 0.97);
    expect(elapsedS * 0.97 + offset).toBeCloseTo(shownBefore, 9);
  });

  test("libfaketime's spec", () => {
    expect(faketimeSpec(TRUE_CLOCK)).toBe('+0.000');
    expect(faketimeSpec({ offsetS: -3.25, rate: 1 })).toBe('-3.250');
    expect(faketimeSpec({ offsetS: 1.5, rate: 1.04 })).toBe('+1.500 x1.040000');
  });

  // CI installs libfaketime (.ci/run); elsewhere the test says it was skipped.
  const library = findLibfaketime();
  if (!library && process.env.CI)
    throw new Error('CI must have libfaketime (apt-get install faketime)');
  (library ? test : test.skip)('a process under the clock sees its clock jump', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clock-control-'));
    try {
      const clock = new ClockControl(dir, 'probe', library!);
      clock.started();
      // Back in time no further than the process's start (Node aborts below it)...
      clock.jump(-5);
      expect(clock.current.offsetS).toBe(0);
      // ...and forward as far as asked.
      clock.jump(5);
      // The child prints how far its clock is from the parent's.
      const script =
        'const [wall] = process.argv.slice(1).map(Number);' +
        'console.log(JSON.stringify({ wall: Date.now() - wall }))';
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['-e', script, String(Date.now())],
          { env: { ...process.env, ...clock.env() } },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        ),
      );
      const { wall } = JSON.parse(out) as { wall: number };
      expect(wall).toBeGreaterThan(4_000);
      expect(wall).toBeLessThan(6_500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
