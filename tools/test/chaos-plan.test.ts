import { LIMITS } from '@paxos/shared';
import { Prng } from '@paxos/sim/src/random/prng';
import { ALL_FAULTS, parseFaults, type FaultKind } from '../src/chaos/faults';
import { FAULT_BOUNDS, FaultPlanner, type PlannedFault } from '../src/chaos/plan';

const TARGETS: Record<FaultKind, string[]> = {
  kill: ['neurelo', 'acceptor-0', 'acceptor-1', 'leader-0', 'replica-0'],
  pause: ['neurelo', 'acceptor-0', 'acceptor-1', 'leader-0', 'replica-0'],
  partition: ['neurelo', 'acceptor-0', 'leader-0', 'replica-0'],
  clock: ['acceptor-0', 'leader-0', 'replica-0'],
  db: ['postgres'],
};
const LEADER_TIMEOUT_MS = 1_500;

function plan(seed: number, count: number, faults: FaultKind[] = [...ALL_FAULTS]): PlannedFault[] {
  const prng = new Prng(seed);
  const planner = new FaultPlanner({
    faults,
    targets: TARGETS,
    gapMs: [2_000, 5_000],
    maxActive: 2,
    leaderTimeoutMs: LEADER_TIMEOUT_MS,
    random: () => prng.nextFloat(),
  });
  return Array.from({ length: count }, () => planner.next()!);
}

describe('the nemesis schedule', () => {
  test('the same seed gives the same schedule; another seed another one', () => {
    expect(plan(7, 40)).toEqual(plan(7, 40));
    expect(plan(8, 40)).not.toEqual(plan(7, 40));
  });

  test('every kind asked for gets its share: each round of five holds each kind once', () => {
    const faults = plan(3, 50);
    for (let round = 0; round < 10; round++) {
      const kinds = faults.slice(round * 5, round * 5 + 5).map((f) => f.action.kind);
      expect(new Set(kinds)).toEqual(new Set(ALL_FAULTS));
    }
  });

  test('only the kinds asked for, in start order', () => {
    const faults = plan(5, 30, ['pause', 'db']);
    expect(new Set(faults.map((f) => f.action.kind))).toEqual(new Set(['pause', 'db']));
    for (let i = 1; i < faults.length; i++) {
      expect(faults[i]!.atMs).toBeGreaterThanOrEqual(faults[i - 1]!.atMs);
    }
  });

  test('never two faults on one target at once, never more than two in force', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const faults = plan(seed, 200);
      for (const f of faults) {
        const inForce = faults.filter((g) => g.atMs <= f.atMs && f.atMs < g.atMs + g.durationMs);
        expect(inForce.length).toBeLessThanOrEqual(2);
        const sameTarget = inForce.filter((g) => g !== f && g.target === f.target);
        expect(sameTarget).toEqual([]);
      }
    }
  });

  test('durations and clock rates stay within their bounds', () => {
    for (const f of plan(11, 300)) {
      const a = f.action;
      if (a.kind === 'pause') {
        expect(f.durationMs).toBeLessThanOrEqual(
          FAULT_BOUNDS.pauseLeaderTimeouts[1] * LEADER_TIMEOUT_MS,
        );
        expect(f.durationMs).toBeGreaterThanOrEqual(
          FAULT_BOUNDS.pauseLeaderTimeouts[0] * LEADER_TIMEOUT_MS,
        );
      }
      if (a.kind === 'clock' && 'rate' in a) {
        expect(Math.abs(a.rate - 1)).toBeLessThanOrEqual(LIMITS.clockRateErrorMax);
        expect(Math.abs(a.rate - 1)).toBeGreaterThanOrEqual(LIMITS.clockRateErrorMax / 2);
      }
      if (a.kind === 'clock' && 'jumpS' in a) {
        expect(Math.abs(a.jumpS)).toBeGreaterThanOrEqual(FAULT_BOUNDS.clockJumpS[0]);
        expect(Math.abs(a.jumpS)).toBeLessThanOrEqual(FAULT_BOUNDS.clockJumpS[1]);
      }
    }
  });

  test('--faults names are checked', () => {
    expect(parseFaults('db,kill')).toEqual(['kill', 'db']);
    expect(parseFaults('none')).toEqual([]);
    expect(() => parseFaults('kill,flood')).toThrow(/unknown fault "flood"/);
    expect(() => parseFaults('reconfigure')).toThrow(/membership changes/);
  });
});
