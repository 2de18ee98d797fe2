import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CliUsageError, USAGE, extraFlags, parseArgs } from '../../src/cli/args';
import { BROKEN_VARIANTS } from '../../src/broken/variant-names';

describe('sim CLI arguments', () => {
  it('parses the adversary and broken-variant flags, and repeats them in reproductions', () => {
    const args = parseArgs(['--seeds', '5', '--adversarial', '--broken', 'wrong-digest']);
    expect(args).toMatchObject({ seeds: 5, adversaries: 'always', broken: 'wrong-digest' });
    expect(extraFlags(args)).toEqual(['--adversarial', '--broken wrong-digest']);
    expect(parseArgs(['--no-adversarial']).adversaries).toBe('never');
    expect(parseArgs([]).adversaries).toBeNull();
  });

  it('parses --reconfigure and --no-reconfigure, and repeats them in reproductions', () => {
    expect(parseArgs([]).reconfigure).toBeNull();
    const on = parseArgs(['--reconfigure']);
    expect(on.reconfigure).toBe('always');
    expect(extraFlags(on)).toEqual(['--reconfigure']);
    expect(extraFlags(parseArgs(['--no-reconfigure']))).toEqual(['--no-reconfigure']);
  });

  it.each([
    [['--broken'], /--broken needs one of/],
    [['--broken', 'nonsense'], /--broken needs one of/],
    [['--adversarial', '--no-adversarial'], /exclude each other/],
    [['--reconfigure', '--no-reconfigure'], /exclude each other/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(CliUsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('documents every flag and every broken variant in --help', () => {
    const flags = [
      '--adversarial',
      '--no-adversarial',
      '--reconfigure',
      '--no-reconfigure',
      '--broken',
      '--volatile-acceptors',
    ];
    for (const flag of flags) {
      expect(USAGE).toContain(flag);
    }
    for (const variant of BROKEN_VARIANTS) expect(USAGE).toContain(variant);
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it('exits 1 on a broken variant, naming the checker and the command that replays it', () => {
    const root = path.resolve(__dirname, '../../..');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'sim/src/cli.ts', '--seeds', '2', '--broken', 'unchecked-input'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /storable: .* -- reproduce: npm run sim -- --seed 1 --broken unchecked-input/,
    );
    expect(run.stdout).toMatch(/seeds: 2, violations: 2\n$/);
  });
});
