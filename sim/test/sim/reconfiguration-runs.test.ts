import { runSeed } from '../../src/run/run-seed';
import { SCENARIO_NAMES } from '../../src/reconfiguration/plan';
import type { SimResult } from '../../src/run/sim-result';

/**
 * Whole runs with an operator's reconfiguration plan on every seed (`npm run sim --
 * --reconfigure`), crashes, partitions and message faults running alongside: no violation, and
 * the changes really happened: every original acceptor replaced in turn, leaders and replicas
 * replaced, replicas added and removed, members stopped for good, and a replica down through
 * collections that came back below the horizon and caught up by another replica's snapshot.
 */
describe('reconfiguration under faults (issue 18)', () => {
  const results: SimResult[] = [];
  beforeAll(() => {
    for (let seed = 1; seed <= 16; seed++) results.push(runSeed(seed, { reconfigure: 'always' }));
  });
  const of = (scenario: string) => results.filter((r) => r.stats.scenario === scenario);
  const members = (r: SimResult) => r.stats.finalConfiguration;

  it('finds no violation, and every scenario ran', () => {
    expect(results.filter((r) => r.violation !== null).map((r) => r.violation?.message)).toEqual(
      [],
    );
    expect(new Set(results.map((r) => r.stats.scenario))).toEqual(new Set(SCENARIO_NAMES));
  });

  it('replaces every original acceptor, one at a time, each stopped for good', () => {
    const runs = of('replace-every-acceptor');
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) {
      expect(r.stats).toMatchObject({ reconfigurations: 3, membersStopped: 3 });
      expect(members(r)).toMatch(/^e3 \[acceptor-3 acceptor-4 acceptor-5 \|/);
    }
  });

  it('replaces a leader and a replica, adds and removes replicas', () => {
    for (const r of of('replace-leader-and-replica')) {
      expect(r.stats).toMatchObject({ reconfigurations: 2, membersStopped: 2 });
      expect(members(r)).toMatch(/leader-2/);
      expect(members(r)).toMatch(/replica-2/);
    }
    for (const r of of('mixed')) {
      expect(r.stats).toMatchObject({ reconfigurations: 5, membersStopped: 4 });
      expect(members(r)).toMatch(/^e5 /);
    }
  });

  it('keeps a replica down through collections; it comes back behind and catches up by snapshot', () => {
    const runs = of('grow-outage-shrink');
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) {
      expect(r.stats.outages).toBe(1);
      // At least one collection passed while it was down (reads take no slot, so fewer slots
      // pass in an outage than when they did: docs/reads.md).
      expect(r.stats.outageCollections).toBeGreaterThan(0);
      expect(r.stats.outagesCaughtUpBySnapshot).toBe(r.stats.outagesBehindHorizon);
    }
    expect(runs.reduce((n, r) => n + r.stats.outagesCaughtUpBySnapshot, 0)).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.stats.behindSent, 0)).toBeGreaterThan(0);
  });
});
