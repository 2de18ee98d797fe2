import { initialConfiguration, type ConfigEntry, type Message } from '@paxos/shared';
import { leaderProcessRole, type LeaderProcessState } from '@paxos/leader';
import { leaderConfiguration } from '../src/service/leader-configuration';
import { cluster, leaderConfig } from './support/harness';

const initial = initialConfiguration(cluster, 16);
const epoch1: ConfigEntry = {
  startSlot: 30,
  config: { ...initial, epoch: 1, leaders: ['leader-0', 'leader-2'], window: 8 },
};

function recovered(id = 'leader-0'): LeaderProcessState {
  return leaderProcessRole.recover(leaderConfig({ id }), new Map(), 0).state;
}

/** A replica's proposal for a slot of a later configuration names that configuration. */
const propose = (slot: number, configEntry: ConfigEntry): Message => ({
  type: 'propose',
  from: 'replica-0',
  slot,
  value: { batchId: 'replica-0:1:1', commands: [] },
  configEntry,
});

describe('GET /config of a leader', () => {
  it('reports the initial configuration, with the WINDOW from the environment', () => {
    const report = leaderConfiguration(recovered(), initial);
    expect(report).toMatchObject({
      member: true,
      epoch: 0,
      inForce: { epoch: 0, startSlot: 1, window: 16, leaders: ['leader-0', 'leader-1'] },
      pending: null,
      served: [0],
      retiredBelow: 0,
    });
    expect(report.schedule).toEqual([report.inForce]);
  });

  it('shows a configuration learned from a replica as pending until its slots are reached', () => {
    const state = recovered();
    leaderProcessRole.step(state, propose(31, epoch1), 1);
    const report = leaderConfiguration(state, initial);
    expect(report).toMatchObject({
      epoch: 0,
      pending: { epoch: 1, startSlot: 30, leaders: ['leader-0', 'leader-2'], window: 8 },
      served: [0, 1],
    });
    expect(report.schedule).toHaveLength(2);
  });

  it('a new leader outside the initial lists serves nothing until it learns of a configuration', () => {
    const report = leaderConfiguration(recovered('leader-2'), initial);
    expect(report).toMatchObject({ member: false, epoch: 0, served: [] });
  });
});
