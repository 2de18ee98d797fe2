import { acceptorRole, promiseOf } from '@paxos/acceptor';
import { leaderProcessRole } from '@paxos/leader';
import { replicaRole } from '@paxos/replica';
import { StepCollector, ballotEquals, type Message, type Role } from '@paxos/shared';
import { REAL_ROLES, type SimRoles } from '../../src/cluster/sim-cluster';
import { runSeed } from '../../src/run/run-seed';
import { DEFAULT_SIM_OPTIONS } from '../../src/run/sim-options';
import type { SimResult } from '../../src/run/sim-result';

const describeResult = (r: SimResult): string =>
  r.violation === null ? 'ok' : `seed ${r.seed}: ${r.violation.message}`;

/** Runs seeds from `first` until one finds a violation; null if none within `count`. */
function firstViolation(
  first: number,
  count: number,
  run: (seed: number) => SimResult,
): SimResult | null {
  for (let seed = first; seed < first + count; seed++) {
    const result = run(seed);
    if (result.violation !== null) return result;
  }
  return null;
}

/**
 * The bug of a tally that counts messages, not acceptors: `role` handles each `type` message
 * twice, the second time as if the next acceptor had sent it.
 */
function countingTwice<S, C>(role: Role<S, C>, type: Message['type']): Role<S, C> {
  const acceptors = ['acceptor-0', 'acceptor-1', 'acceptor-2'];
  return {
    ...role,
    step(state, message, now) {
      const out = new StepCollector(state).add(role.step(state, message, now));
      if (message.type !== type) return out.result();
      const other = acceptors[(acceptors.indexOf(message.from) + 1) % acceptors.length];
      return out.add(role.step(out.state, { ...message, from: other ?? '' }, now)).result();
    },
  };
}

describe('whole-cluster simulation', () => {
  it('runs 30 seeds with crashes, drops, duplicates and partitions without a violation', () => {
    const failures: string[] = [];
    let answered = 0;
    let crashes = 0;
    let collected = 0;
    let p1bMaxPValues = 0;
    let slotOutMin = Infinity;
    const learnedBySeedParity = [0, 0];
    for (let seed = 1; seed <= 30; seed++) {
      const result = runSeed(seed);
      learnedBySeedParity[seed % 2]! += result.stats.decisionsLearned;
      if (result.violation !== null) failures.push(describeResult(result));
      answered += result.stats.answered;
      crashes += result.stats.crashes;
      if (result.stats.collectedBelow > 1) collected++;
      p1bMaxPValues = Math.max(p1bMaxPValues, result.stats.p1bMaxPValues);
      slotOutMin = Math.min(slotOutMin, result.stats.slotOut);
    }
    expect(failures).toEqual([]);
    // The faults really happened and the work really got done.
    expect(crashes).toBeGreaterThan(30);
    expect(answered).toBe(30 * DEFAULT_SIM_OPTIONS.clients * DEFAULT_SIM_OPTIONS.opsPerClient);
    // Garbage collection really happened, and kept every phase 1 well below the log's length.
    expect(collected).toBeGreaterThanOrEqual(27);
    expect(p1bMaxPValues).toBeLessThan(slotOutMin / 2);
    // Odd seeds: replicas learn from the acceptors; even seeds: from the leaders only.
    expect(learnedBySeedParity[1]).toBeGreaterThan(100);
    expect(learnedBySeedParity[0]).toBe(0);
  });

  it('finds a safety violation with volatile acceptors within 40 seeds', () => {
    const found = firstViolation(1, 40, (seed) => runSeed(seed, { volatileAcceptors: true }));
    expect(found).not.toBeNull();
    // Amnesia breaks agreement, not merely progress.
    expect(found?.violation?.invariant).not.toBe('liveness');
  });

  it('gives the same digest for the same seed and a different one for another seed', () => {
    const a = runSeed(17);
    const b = runSeed(17);
    const c = runSeed(18);
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    expect(b.stats).toEqual(a.stats);
    expect(c.digest).not.toBe(a.digest);
  });

  it('catches an acceptor that stores a p2a whatever its ballot (pitfall 3)', () => {
    const careless: SimRoles['acceptor'] = {
      ...acceptorRole,
      step(state, message, now) {
        if (message.type === 'p2a' && !ballotEquals(message.pvalue.ballot, promiseOf(state, 0))) {
          state.accepted.set(message.pvalue.slot, message.pvalue);
        }
        return acceptorRole.step(state, message, now);
      },
    };
    const roles: SimRoles = { ...REAL_ROLES, acceptor: careless };
    const found = firstViolation(1, 20, (seed) => runSeed(seed, {}, null, roles));
    // Holding a pvalue of another ballot is A2; overwriting a higher one with it, A3.
    expect(['A2', 'A3']).toContain(found?.violation?.invariant);
  });

  it('catches a leader that counts p2b messages instead of distinct acceptors (pitfall 2)', () => {
    const roles: SimRoles = { ...REAL_ROLES, leader: countingTwice(leaderProcessRole, 'p2b') };
    const found = firstViolation(1, 20, (seed) => runSeed(seed, {}, null, roles));
    expect(found?.violation?.invariant).toBe('decided-unchosen');
  });

  it('catches a replica that learns a decision from one acceptance (a learner miscounting)', () => {
    const roles: SimRoles = { ...REAL_ROLES, replica: countingTwice(replicaRole, 'accepted') };
    const found = firstViolation(1, 20, (seed) => runSeed(seed, {}, null, roles));
    // Seen while the replica holds it, the slot is decided-unchosen; applied, answered from and
    // truncated in one step, it is a slot applied that nobody decided (R2).
    expect(['decided-unchosen', 'R2']).toContain(found?.violation?.invariant);
  });

  it('catches a replica without a response cache, which runs retried commands twice (pitfall 5)', () => {
    const forgetful: SimRoles['replica'] = {
      ...replicaRole,
      step(state, message, now) {
        const result = replicaRole.step(state, message, now);
        for (const session of result.state.sessions.values()) session.answers.clear();
        result.state.responses.clear();
        result.state.responseValueBytes = 0;
        return result;
      },
    };
    const roles: SimRoles = { ...REAL_ROLES, replica: forgetful };
    const found = firstViolation(1, 20, (seed) => runSeed(seed, {}, null, roles));
    expect(found?.violation?.invariant).toBe('at-most-once');
  });

  // Broken garbage collection, each caught by the simulator. [name, roles, invariant] (A leader
  // that collects below the fastest replica is the broken variant `collect-below-one`.)
  const brokenGc: Array<[string, SimRoles, string]> = [
    [
      'an acceptor that truncates above the horizon it was given',
      {
        ...REAL_ROLES,
        acceptor: {
          ...acceptorRole,
          step(state, message, now) {
            const overreach: Message =
              message.type === 'collect'
                ? { ...message, belowSlot: message.belowSlot + 4 }
                : message;
            return acceptorRole.step(state, overreach, now);
          },
        },
      },
      'gc-safe',
    ],
    [
      'an acceptor that drops pvalues above its horizon without saying so',
      {
        ...REAL_ROLES,
        acceptor: {
          ...acceptorRole,
          step(state, message, now) {
            const result = acceptorRole.step(state, message, now);
            if (message.type === 'collect') {
              for (const slot of result.state.accepted.keys()) {
                if (slot < message.belowSlot + 4) result.state.accepted.delete(slot);
              }
            }
            return result;
          },
        },
      },
      'A3',
    ],
  ];
  it.each(brokenGc)('catches %s', (_name, roles, invariant) => {
    const found = firstViolation(1, 20, (seed) => runSeed(seed, {}, null, roles));
    expect(found?.violation?.invariant).toBe(invariant);
  });
});
