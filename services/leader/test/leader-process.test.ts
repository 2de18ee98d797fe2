import { leaderProcessRole, type LeaderConfig, type LeaderProcessState } from '@paxos/leader';
import { defaultCluster, type ConfigEntry, type DurableEntry, type Message } from '@paxos/shared';

/**
 * The leader process (leader-process.ts), as the simulator found it wanting under
 * reconfiguration.
 *
 * It merges what it learns of the configuration schedule with what it knows.
 * Entries of one epoch must be told equal when they hold the same configuration, however their
 * keys are ordered (a row or a message read back through zod lists them in schema order) and
 * whatever window the initial entry carries (the leader's is a placeholder; replicas report the
 * real one). Found by the simulator: `npm run sim -- --seed 7 --reconfigure` without this fix (a
 * restarted leader's own serves:0 row disagreed with its initial entry, the schedule lost epoch
 * 1, and learning epoch 2 threw "configuration epoch 1 is served but not in the schedule").
 */
const initial = defaultCluster(3, 2, 2);
const config: LeaderConfig = {
  id: 'leader-0',
  cluster: initial,
  retransmitMs: 100,
  heartbeatMs: 50,
  leaderTimeoutMs: 200,
  backoffMaxMs: 400,
};

/** Keys in schema order (members first), as zod hands back a parsed entry. */
function parsedEntry(epoch: number, startSlot: number, leaders: string[], window = 4): ConfigEntry {
  return {
    startSlot,
    config: {
      acceptors: initial.acceptors,
      leaders,
      replicas: initial.replicas,
      epoch,
      window,
    },
  };
}

const row = (value: unknown): DurableEntry => ({ slot: null, value });
const epochs = (state: LeaderProcessState) => state.schedule.map((e) => e.config.epoch);

describe('leader process: the schedule it learns and recovers', () => {
  it('recovers epochs 0 and 1 from its rows and learns epoch 2 without losing epoch 1', () => {
    const e1 = parsedEntry(1, 10, ['leader-0', 'leader-2']);
    const durable = new Map<string, DurableEntry>([
      // As learnSchedule writes them: the initial entry (window 1) with its end, then epoch 1.
      ['serves:0', row({ ...parsedEntry(0, 1, initial.leaders, 1), endSlot: 10 })],
      ['serves:1', row(e1)],
      ['retiredBelow', row(1)],
    ]);
    const { state } = leaderProcessRole.recover(config, durable, 0);
    expect(epochs(state)).toEqual([0, 1]);
    const propose: Message = {
      type: 'propose',
      from: 'replica-0',
      slot: 29,
      value: { batchId: 'replica-0:1:1', commands: [] },
      configEntry: parsedEntry(2, 28, ['leader-0', 'leader-2']),
    };
    const after = leaderProcessRole.step(state, propose, 1).state;
    expect(epochs(after)).toEqual([0, 1, 2]);
    expect(after.leaders.get(1)?.endSlot).toBe(28);
  });

  it('learns a pending configuration from a progress report that carries epoch 0', () => {
    const { state } = leaderProcessRole.recover(config, new Map(), 0);
    const progress: Message = {
      type: 'progress',
      from: 'replica-0',
      slotOut: 8,
      wantsDecisions: false,
      // The replicas' epoch 0 has their window (4), not the leader's placeholder.
      configs: [parsedEntry(0, 1, initial.leaders), parsedEntry(1, 10, ['leader-0', 'leader-2'])],
    };
    const after = leaderProcessRole.step(state, progress, 1).state;
    expect(after.counters.scheduleConflicts).toBe(0);
    expect(epochs(after)).toEqual([0, 1]);
    expect([...after.leaders.keys()]).toEqual([0, 1]);
  });
});

describe('leader process: a proposal for a configuration it retired', () => {
  /**
   * Every slot of a retired configuration is collected, so its proposer is below the horizon
   * and must catch up by state transfer; ignoring it left a replica stuck for good, re-proposing
   * into a slot nobody runs any more. Found by the simulator while reconfiguration was being
   * added to it (a replica one slot behind when epoch 3 retired never reached epoch 4's first
   * slot).
   */
  it('tells the proposer it is behind', () => {
    const durable = new Map<string, DurableEntry>([
      ['serves:1', row({ ...parsedEntry(1, 10, initial.leaders) })],
      ['retiredBelow', row(1)],
    ]);
    const { state } = leaderProcessRole.recover(config, durable, 0);
    expect([...state.leaders.keys()]).toEqual([1]);
    const propose: Message = {
      type: 'propose',
      from: 'replica-1',
      slot: 8,
      value: { batchId: 'replica-1:2:5', commands: [] },
    };
    const { send } = leaderProcessRole.step(state, propose, 1);
    expect(send).toEqual([
      {
        to: 'replica-1',
        message: { type: 'behind', from: 'leader-0', collectedBelow: 9 },
      },
    ]);
  });
});
