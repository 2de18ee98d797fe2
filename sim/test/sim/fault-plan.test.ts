import { planFaults, type FaultAction, type FaultPlanInput } from '../../src/faults/fault-plan';
import { drawFaultProfile } from '../../src/faults/fault-profile';
import { Prng } from '../../src/random/prng';
import { DEFAULT_SIM_OPTIONS, simOptions } from '../../src/run/sim-options';

const input = (longOutage: FaultPlanInput['longOutage']): FaultPlanInput => ({
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1'],
  clients: ['client-0'],
  faultPhaseMs: 4_000,
  // Frequent crashes, so a replica's own schedule would restart it inside any stretch.
  crashes: { ...DEFAULT_SIM_OPTIONS.crashes, replicaMeanUpMs: 100 },
  partitions: DEFAULT_SIM_OPTIONS.partitions,
  longOutage,
});

/** When each replica is down, as [from, to) intervals (to: the heal at 4000 if no restart). */
function downtime(actions: readonly FaultAction[], processId: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let downSince: number | null = null;
  for (const a of actions) {
    if (!('processId' in a) || a.processId !== processId) continue;
    if (a.kind === 'crash' && downSince === null) downSince = a.atMs;
    if (a.kind === 'restart' && downSince !== null) {
      spans.push([downSince, a.atMs]);
      downSince = null;
    }
  }
  if (downSince !== null) spans.push([downSince, 4_000]);
  return spans;
}

describe('fault plan: a replica down for a long stretch', () => {
  it('keeps one replica down from the outage start to its end, whatever its own schedule', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const outage = { minDownMs: 1_500, maxDownMs: 2_000, startSpreadMs: 1_000 };
      const actions = planFaults(new Prng(seed), input(outage));
      const longest = ['replica-0', 'replica-1']
        .flatMap((id) => downtime(actions, id))
        .reduce((max, [from, to]) => Math.max(max, to - from), 0);
      expect(longest).toBeGreaterThanOrEqual(1_500);
      expect(actions.map((a) => a.atMs)).toEqual(
        [...actions.map((a) => a.atMs)].sort((x, y) => x - y),
      );
    }
  });

  it('without the outage, no replica stays down that long', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const actions = planFaults(new Prng(seed), input(null));
      for (const id of ['replica-0', 'replica-1']) {
        for (const [from, to] of downtime(actions, id)) {
          if (to < 4_000)
            expect(to - from).toBeLessThanOrEqual(DEFAULT_SIM_OPTIONS.crashes.maxDownMs);
        }
      }
    }
  });

  it('draws adversaries per seed in auto mode, all or none when forced', () => {
    const plans = Array.from(
      { length: 40 },
      (_, seed) => drawFaultProfile(new Prng(seed), simOptions()).adversaries,
    );
    const on = plans.map((p) => Object.values(p).filter(Boolean).length);
    expect(Math.min(...on)).toBeLessThan(5);
    expect(Math.max(...on)).toBeGreaterThan(0);
    expect(new Set(plans.map((p) => JSON.stringify(p))).size).toBeGreaterThan(10);
    const always = drawFaultProfile(new Prng(1), simOptions({ adversaries: 'always' })).adversaries;
    const never = drawFaultProfile(new Prng(1), simOptions({ adversaries: 'never' })).adversaries;
    expect(Object.values(always).every(Boolean)).toBe(true);
    expect(Object.values(never).some(Boolean)).toBe(false);
  });
});
