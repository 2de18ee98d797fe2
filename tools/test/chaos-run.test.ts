/**
 * A short chaos run with every fault (tools/src/chaos): SIGKILL, SIGSTOP, cut links, faked
 * clocks and PostgreSQL crashes on a private server, under clients and hostile clients. It must
 * end with nothing lost and a linearizable history, each fault kind having run. The long run
 * and the broken configurations it must catch are in docs/testing.md.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { availableFaults } from '../src/chaos/faults';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');
const SECONDS = 45;

test(`${SECONDS} s of chaos with every fault: nothing lost, linearizable`, async () => {
  const faults = availableFaults();
  if (process.env.CI) expect(faults).toEqual(['kill', 'pause', 'partition', 'clock', 'db']);
  else if (faults.length < 5)
    console.log(`chaos test without: clock and/or db (not installed here)`);
  const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/src/chaos/cli.ts',
        '--seconds',
        String(SECONDS),
        '--faults',
        faults.join(','),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          FLEET_BASE_PORT: '7800',
          FLEET_DIR: path.join(ROOT, '.fleet', 'chaos-test'),
        },
      },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => resolve({ code, text }));
  });
  const lines = output.text.trim().split('\n');
  const summary = lines
    .filter((l) => !l.startsWith('chaos '))
    .slice(-40)
    .join('\n');
  if (output.code !== 0) console.log(summary);
  // The checks that failed, by name (the run's verdict line), before anything else.
  expect(lines.find((l) => l.startsWith('verdict: '))).toBe('verdict: ok');
  expect(lines.at(-1)).toMatch(
    /^acknowledged: [1-9]\d*, lost: 0, linearizable: true, reconfigurations: 0$/,
  );
  const counts = lines.find((l) => l.startsWith('faults run: '));
  for (const kind of faults) expect(counts).toMatch(new RegExp(`${kind} [1-9]`));
  expect(output.code).toBe(0);
});
