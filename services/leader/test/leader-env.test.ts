import { defaultLeaderTimings } from '@paxos/leader';
import { leaderTimings } from '../src/service/leader-env';

describe('leader settings from the environment', () => {
  it('defaults every timing, thrifty phase 2 included', () => {
    expect(leaderTimings({})).toEqual(defaultLeaderTimings);
    expect(leaderTimings({}).spareAfterMs).toBe(250);
  });

  it('reads each variable; LEADER_SPARE_AFTER_MS=0 turns thrifty phase 2 off', () => {
    expect(
      leaderTimings({
        LEADER_RETRANSMIT_MS: '500',
        LEADER_HEARTBEAT_MS: '100',
        LEADER_TIMEOUT_MS: '400',
        LEADER_BACKOFF_MAX_MS: '2000',
        LEADER_SPARE_AFTER_MS: '0',
      }),
    ).toEqual({
      retransmitMs: 500,
      heartbeatMs: 100,
      leaderTimeoutMs: 400,
      backoffMaxMs: 2000,
      spareAfterMs: 0,
    });
  });

  it.each([['-1'], ['2.5'], ['soon']])('refuses LEADER_SPARE_AFTER_MS=%s, naming it', (value) => {
    expect(() => leaderTimings({ LEADER_SPARE_AFTER_MS: value })).toThrow(/LEADER_SPARE_AFTER_MS/);
  });
});
