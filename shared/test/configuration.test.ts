import {
  configAt,
  mergeSchedules,
  proposalLimit,
  reconfigurationProblem,
  type ConfigEntry,
  type Configuration,
} from '@paxos/shared';

const config = (epoch: number, window: number, acceptors = ['a0', 'a1', 'a2']): Configuration => ({
  epoch,
  acceptors,
  leaders: ['l0', 'l1'],
  replicas: ['r0', 'r1'],
  window,
});

describe('the configuration schedule', () => {
  const schedule: ConfigEntry[] = [
    { startSlot: 1, config: config(0, 16) },
    { startSlot: 26, config: config(1, 4, ['a0', 'a1', 'a3']) },
  ];

  it('finds the configuration governing a slot', () => {
    expect(configAt(schedule, 1).epoch).toBe(0);
    expect(configAt(schedule, 25).epoch).toBe(0);
    expect(configAt(schedule, 26).epoch).toBe(1);
    expect(configAt(schedule, 10_000).epoch).toBe(1);
    expect(() => configAt(schedule.slice(1), 3)).toThrow(/no configuration/);
  });

  it('limits proposals by the smallest window a later reconfiguration could use', () => {
    // At slotOut 20 a reconfiguration at 20 (window 16) starts at 36, one at 26 (window 4) at 30.
    expect(proposalLimit(schedule, 20)).toBe(30);
    expect(proposalLimit(schedule, 10)).toBe(26);
    expect(proposalLimit(schedule, 40)).toBe(44);
  });

  it('merges what two processes know, and refuses two different configurations of one epoch', () => {
    const other = [{ startSlot: 26, config: config(1, 4, ['a0', 'a1', 'a3']) }];
    expect(mergeSchedules(schedule.slice(0, 1), other)).toEqual(schedule);
    const forked = [{ startSlot: 27, config: config(1, 4, ['a0', 'a1', 'a3']) }];
    expect(mergeSchedules(schedule, forked)).toBeNull();
  });
});

describe('what a reconfiguration may change', () => {
  const current = config(3, 8);
  const members = (acceptors: string[]) => ({
    acceptors,
    leaders: ['l0', 'l1'],
    replicas: ['r0', 'r1'],
  });

  it('allows replacing members by new ids', () => {
    expect(reconfigurationProblem(current, members(['a0', 'a1', 'a9']), ['old'])).toBeNull();
  });
  it('refuses an id that left an earlier configuration', () => {
    expect(reconfigurationProblem(current, members(['a0', 'a1', 'old']), ['old'])).toMatch(
      /new id/,
    );
  });
  it('refuses a process in two roles, a changed role and duplicates', () => {
    expect(reconfigurationProblem(current, members(['a0', 'a1', 'l0']), [])).toMatch(/one role/);
    expect(
      reconfigurationProblem(current, { ...members(['a0', 'a1']), replicas: ['r0', 'a2'] }, []),
    ).toMatch(/cannot change role/);
    expect(reconfigurationProblem(current, members(['a0', 'a0']), [])).toMatch(/twice/);
  });
});
