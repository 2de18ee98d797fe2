import { defaultLeaderTimings } from '@paxos/leader';
import { LIMITS } from '@paxos/shared';
import { leaderTimings } from '../src/service/leader-env';

describe('leader settings from the environment', () => {
  it('defaults every timing, thrifty phase 2 and the retransmission bounds included', () => {
    expect(leaderTimings({})).toEqual(defaultLeaderTimings);
    expect(leaderTimings({}).spareAfterMs).toBe(250);
    // Two step commits' worth of p2a per tick; the back-off cap follows LEADER_RETRANSMIT_MS.
    expect(leaderTimings({}).retransmitTickBytesMax).toBe(2 * LIMITS.commitBodyBytesMax);
    expect('retransmitMsMax' in leaderTimings({})).toBe(false);
  });

  it('reads each variable; LEADER_SPARE_AFTER_MS=0 turns thrifty phase 2 off', () => {
    expect(
      leaderTimings({
        LEADER_RETRANSMIT_MS: '500',
        LEADER_RETRANSMIT_MS_MAX: '3000',
        LEADER_RETRANSMIT_TICK_BYTES_MAX: '1000000',
        LEADER_HEARTBEAT_MS: '100',
        LEADER_TIMEOUT_MS: '400',
        LEADER_BACKOFF_MAX_MS: '2000',
        LEADER_SPARE_AFTER_MS: '0',
      }),
    ).toEqual({
      retransmitMs: 500,
      retransmitMsMax: 3000,
      retransmitTickBytesMax: 1_000_000,
      heartbeatMs: 100,
      leaderTimeoutMs: 400,
      backoffMaxMs: 2000,
      spareAfterMs: 0,
    });
  });

  it.each([['-1'], ['2.5'], ['soon']])('refuses LEADER_SPARE_AFTER_MS=%s, naming it', (value) => {
    expect(() => leaderTimings({ LEADER_SPARE_AFTER_MS: value })).toThrow(/LEADER_SPARE_AFTER_MS/);
  });

  it.each([
    ['LEADER_RETRANSMIT_MS_MAX', { LEADER_RETRANSMIT_MS_MAX: '500', LEADER_RETRANSMIT_MS: '1000' }],
    ['LEADER_RETRANSMIT_MS_MAX', { LEADER_RETRANSMIT_MS_MAX: 'later' }],
    ['LEADER_RETRANSMIT_TICK_BYTES_MAX', { LEADER_RETRANSMIT_TICK_BYTES_MAX: '0' }],
    ['LEADER_RETRANSMIT_TICK_BYTES_MAX', { LEADER_RETRANSMIT_TICK_BYTES_MAX: '1.5e6x' }],
  ])('refuses a bad %s, naming it', (name, env) => {
    expect(() => leaderTimings(env)).toThrow(new RegExp(name));
  });
});
