import { initialConfiguration, defaultCluster } from '@paxos/shared';
import { newAcceptorState } from '../src/role/state';
import { acceptorConfiguration } from '../src/service/acceptor-configuration';

const initial = initialConfiguration(defaultCluster(3, 2, 2), 16);

describe('GET /config of an acceptor', () => {
  it('reports the initial configuration and says it learns others only through ballots', () => {
    const report = acceptorConfiguration(newAcceptorState({ id: 'acceptor-1' }), initial);
    expect(report).toMatchObject({
      member: true,
      epoch: 0,
      inForce: { epoch: 0, startSlot: 1, window: 16 },
      pending: null,
      promises: {},
      epochsBelow: 0,
    });
    expect(report.learned).toMatch(/only through ballots/);
  });

  it('a new acceptor is a member once it promised a ballot of a live epoch', () => {
    const state = newAcceptorState({ id: 'acceptor-3' });
    expect(acceptorConfiguration(state, initial).member).toBe(false);
    state.promises.set(2, { round: 1, leaderId: 'leader-0', epoch: 2 });
    state.epochsBelow = 2;
    expect(acceptorConfiguration(state, initial)).toMatchObject({
      member: true,
      epoch: 2,
      epochsBelow: 2,
      promises: { 2: expect.stringContaining('leader-0') },
    });
  });
});
