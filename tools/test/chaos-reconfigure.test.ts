/**
 * The reconfigure fault (issue 18) in a short chaos run: members are replaced one at a time by
 * new ones (new ids, empty state) while the nemesis SIGKILLs processes, the members involved
 * included. Nothing may be lost, the history must be linearizable, and at least two
 * replacements must complete. The 90 s run with every fault, which must reach five, is in
 * docs/testing.md.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');
const SECONDS = 45;

/** `t+12.3s..15.1s what` -> its times (seconds) and what. */
function parseFault(line: string): { start: number; end: number; what: string } | null {
  const m = /^\s*t\+([\d.]+)s\.\.([\d.]+)s (.*)$/.exec(line);
  return m ? { start: Number(m[1]), end: Number(m[2]), what: m[3]! } : null;
}

test(`${SECONDS} s of kills and replacements: nothing lost, linearizable, members replaced`, async () => {
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
        'kill,reconfigure',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          FLEET_BASE_PORT: '7850',
          FLEET_DIR: path.join(ROOT, '.fleet', 'chaos-reconfigure-test'),
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
  expect(lines.find((l) => l.startsWith('verdict: '))).toBe('verdict: ok');
  const last =
    /^acknowledged: [1-9]\d*, lost: 0, linearizable: true, reconfigurations: (\d+)$/.exec(
      lines.at(-1) ?? '',
    );
  expect(last).not.toBeNull();
  expect(Number(last![1])).toBeGreaterThanOrEqual(2);
  expect(lines.find((l) => l.startsWith('faults run: '))).toMatch(/kill [1-9]/);

  // A member stopped for good is never a target again.
  const faults = lines.map(parseFault).filter((f) => f !== null);
  const replaced = faults.flatMap((f) => {
    const m = /^reconfigure: (\S+) replaced by (\S+)$/.exec(f.what);
    return m ? [{ old: m[1]!, at: f.end }] : [];
  });
  expect(replaced.length).toBeGreaterThanOrEqual(2);
  expect(replaced[0]!.old).toMatch(/^acceptor-/);
  for (const { old, at } of replaced) {
    const later = faults.filter((f) => f.what === `kill ${old}` && f.start > at);
    expect(later).toEqual([]);
  }
  expect(output.code).toBe(0);
});
