import { parseSoakArgs, UsageError } from '../src/soak/args';

describe('parseSoakArgs', () => {
  it('defaults to the issue: 30 minutes, a sample a minute, 4 clients, every fault', () => {
    expect(parseSoakArgs([], 1_234_567)).toEqual({
      minutes: 30,
      seed: 234_567,
      clients: 4,
      sampleSeconds: 60,
      pauseMs: 200,
      faults: ['kill', 'pause', 'partition', 'clock', 'db'],
    });
  });

  it('takes a quick try and a plain run without faults', () => {
    const a = parseSoakArgs(['--minutes', '3', '--sample-seconds', '20', '--faults', 'none']);
    expect(a).toMatchObject({ minutes: 3, sampleSeconds: 20, faults: [] });
    expect(parseSoakArgs(['--faults', 'pause,kill']).faults).toEqual(['kill', 'pause']);
  });

  it('names the flag it cannot use', () => {
    expect(() => parseSoakArgs(['--minutes', '0'])).toThrow(/--minutes must be above 0/);
    expect(() => parseSoakArgs(['--clients', '1.5'])).toThrow(/--clients must be a whole number/);
    expect(() => parseSoakArgs(['--faults', 'flood'])).toThrow(UsageError);
    expect(() => parseSoakArgs(['--colour'])).toThrow(UsageError);
  });
});
