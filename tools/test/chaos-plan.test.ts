import { LIMITS } from '@paxos/shared';
import { Prng } from '@paxos/sim/src/random/prng';
import { ALL_FAULTS, parseFaults, withReconfigure, type FaultKind } from '../src/chaos/faults';
import { FAULT_BOUNDS, FaultPlanner, roundOf, type PlannedFault } from '../src/chaos/plan';
import { ReplacementOrder, describePlace } from '../src/chaos/replacement-order';

const TARGETS: Record<FaultKind, string[]> = {
  kill: ['neurelo', 'acceptor-0', 'acceptor-1', 'leader-0', 'replica-0'],
  pause: ['neurelo', 'acceptor-0', 'acceptor-1', 'leader-0', 'replica-0'],
  partition: ['neurelo', 'acceptor-0', 'leader-0', 'replica-0'],
  clock: ['acceptor-0', 'leader-0', 'replica-0'],
  db: ['postgres'],
  reconfigure: ['membership'],
};
const MEMBERS = {
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1'],
};
const LEADER_TIMEOUT_MS = 1_500;

function planner(seed: number, faults: FaultKind[]): FaultPlanner {
  const prng = new Prng(seed);
  return new FaultPlanner({
    faults,
    targets: () => TARGETS,
    members: MEMBERS,
    gapMs: [2_000, 5_000],
    maxActive: 2,
    leaderTimeoutMs: LEADER_TIMEOUT_MS,
    random: () => prng.nextFloat(),
  });
}

function plan(seed: number, count: number, faults: FaultKind[] = [...ALL_FAULTS]): PlannedFault[] {
  const p = planner(seed, faults);
  return Array.from({ length: count }, () => p.next()!);
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
    expect(parseFaults('reconfigure,kill')).toEqual(['kill', 'reconfigure']);
    expect(withReconfigure(['kill', 'db'])).toEqual(['kill', 'db', 'reconfigure']);
    expect(withReconfigure(['kill', 'reconfigure'])).toEqual(['kill', 'reconfigure']);
  });
});

describe('the reconfigure fault in the schedule', () => {
  test('a round holds it once per two other kinds, at least once', () => {
    const count = (kinds: FaultKind[]) => roundOf(kinds).filter((k) => k === 'reconfigure').length;
    expect(count(withReconfigure([...ALL_FAULTS]))).toBe(3);
    expect(count(['kill', 'reconfigure'])).toBe(1);
    expect(count(['reconfigure'])).toBe(1);
    expect(roundOf([...ALL_FAULTS])).toEqual([...ALL_FAULTS]);
  });

  test('it takes its share and holds no target, no turn among the faults in force', () => {
    const faults = plan(9, 200, withReconfigure([...ALL_FAULTS]));
    const reconfigurations = faults.filter((f) => f.action.kind === 'reconfigure');
    expect(reconfigurations.length).toBe(75); // 3 of every round of 8
    for (const f of reconfigurations) {
      expect(f.target).toBe('membership');
      expect(f.durationMs).toBe(0);
    }
    // The other faults keep their rules (never more than two in force) and their pace.
    const others = faults.filter((f) => f.action.kind !== 'reconfigure');
    const alone = plan(9, others.length, [...ALL_FAULTS]);
    expect(others.at(-1)!.atMs).toBeLessThan(alone.at(-1)!.atMs * 1.2);
    for (const f of others) {
      const inForce = others.filter((g) => g.atMs <= f.atMs && f.atMs < g.atMs + g.durationMs);
      expect(inForce.length).toBeLessThanOrEqual(2);
    }
  });

  test('without it, a seed gives the schedule it gave before the fault existed', () => {
    // The replacement order is drawn only when the fault is asked for. Seed 4's first faults
    // as the planner made them before (commit be370bb).
    expect(planner(4, [...ALL_FAULTS]).replacements).toBeNull();
    expect(plan(4, 4).map((f) => `${f.atMs} ${f.action.kind} ${f.target} ${f.durationMs}`)).toEqual(
      [
        '2134 kill acceptor-0 509',
        '5221 clock acceptor-0 3236',
        '8537 pause acceptor-1 5429',
        '12297 partition acceptor-0 2211',
      ],
    );
  });

  test('targets follow the membership: a member added later can be hit, a retired one not', () => {
    const prng = new Prng(12);
    let kill = ['acceptor-0', 'acceptor-1'];
    const p = new FaultPlanner({
      faults: ['kill'],
      targets: () => ({ ...TARGETS, kill }),
      gapMs: [2_000, 5_000],
      maxActive: 2,
      leaderTimeoutMs: LEADER_TIMEOUT_MS,
      random: () => prng.nextFloat(),
    });
    for (let i = 0; i < 10; i++) p.next();
    kill = ['acceptor-3', 'acceptor-1'];
    const later = Array.from({ length: 40 }, () => p.next()!.target);
    expect(later).not.toContain('acceptor-0');
    expect(later).toContain('acceptor-3');
  });
});

describe('the replacement order', () => {
  test('every initial acceptor in turn, then a replica, then a leader, then round again', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const prng = new Prng(seed);
      const order = new ReplacementOrder(MEMBERS, () => prng.nextFloat());
      const first = order.preview(5);
      expect(first.slice(0, 3).map((p) => p.role)).toEqual(['acceptor', 'acceptor', 'acceptor']);
      expect(new Set(first.slice(0, 3).map((p) => p.index))).toEqual(new Set([0, 1, 2]));
      expect(first[3]!.role).toBe('replica');
      expect(first[4]!.role).toBe('leader');
      expect(order.preview(10).slice(5)).toEqual(first);
    }
  });

  test('the same seed gives the same order; a place is left only when advanced', () => {
    const orderOf = (seed: number) => {
      const prng = new Prng(seed);
      return new ReplacementOrder(MEMBERS, () => prng.nextFloat());
    };
    expect(orderOf(3).preview(5)).toEqual(orderOf(3).preview(5));
    const order = orderOf(3);
    const first = order.peek();
    expect(order.peek()).toEqual(first);
    order.advance();
    expect(describePlace(order.peek())).not.toBe(describePlace(first));
  });
});
