import { LIMITS } from '@paxos/shared';
import { ConfigurationError, ServiceEnvSchema, clusterFromEnv, parseEnv } from '../src/config';

describe('role service environment', () => {
  it('fills in the defaults: the 3/2/2 cluster, decisions from the leaders', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'acceptor-1' });
    expect(env.LEARN_FROM_ACCEPTORS).toBe(false);
    expect(env.CLAIM_BATCH).toBe(256);
    expect(clusterFromEnv(env, 'acceptor')).toEqual({
      acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
      leaders: ['leader-0', 'leader-1'],
      replicas: ['replica-0', 'replica-1'],
    });
  });

  it('reads LEARN_FROM_ACCEPTORS=true', () => {
    const env = parseEnv(ServiceEnvSchema, {
      PROCESS_ID: 'leader-0',
      LEARN_FROM_ACCEPTORS: 'true',
    });
    expect(env.LEARN_FROM_ACCEPTORS).toBe(true);
  });

  it.each([['yes'], ['1'], ['TRUE']])('refuses LEARN_FROM_ACCEPTORS=%s, naming it', (value) => {
    const parse = () =>
      parseEnv(ServiceEnvSchema, { PROCESS_ID: 'replica-0', LEARN_FROM_ACCEPTORS: value });
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(/LEARN_FROM_ACCEPTORS: expected true or false/);
  });

  it('fills in the lease and retention defaults', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'acceptor-1' });
    expect(env).toMatchObject({
      EPOCH_LEASE_MS: 4_000,
      RETENTION_EVERY_MS: 60_000,
      QUEUE_UNKNOWN_RETENTION_MS: 86_400_000,
      DEAD_LETTER_RETENTION_MS: 604_800_000,
    });
    expect(
      parseEnv(ServiceEnvSchema, { PROCESS_ID: 'a', RETENTION_EVERY_MS: '0' }).RETENTION_EVERY_MS,
    ).toBe(0);
  });

  it.each([
    ['EPOCH_LEASE_MS', '999'],
    ['EPOCH_LEASE_MS', '60001'],
    ['EPOCH_LEASE_MS', '-5'],
    ['RETENTION_EVERY_MS', '-1'],
    ['QUEUE_UNKNOWN_RETENTION_MS', '10'],
    ['DEAD_LETTER_RETENTION_MS', 'week'],
  ])('refuses %s=%s, naming it', (name, value) => {
    const parse = () => parseEnv(ServiceEnvSchema, { PROCESS_ID: 'replica-0', [name]: value });
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(new RegExp(`${name}: `));
  });

  it('lets a PROCESS_ID outside the initial lists start: a new member joining later', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'acceptor-9' });
    expect(clusterFromEnv(env, 'acceptor').acceptors).toEqual([
      'acceptor-0',
      'acceptor-1',
      'acceptor-2',
    ]);
  });

  it('refuses a PROCESS_ID the initial lists give another role', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'acceptor-1' });
    expect(() => clusterFromEnv(env, 'replica')).toThrow(
      /PROCESS_ID acceptor-1 is listed in ACCEPTORS: it cannot run as a replica/,
    );
  });

  it('refuses lists that name one process twice', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'x-1', LEADERS: 'x-1,acceptor-0' });
    expect(() => clusterFromEnv(env, 'leader')).toThrow(/must name distinct processes/);
  });

  it('reads WINDOW_SLOTS up to LIMITS.windowSlotsMax, default 16', () => {
    expect(parseEnv(ServiceEnvSchema, { PROCESS_ID: 'a' }).WINDOW_SLOTS).toBe(16);
    expect(
      parseEnv(ServiceEnvSchema, { PROCESS_ID: 'a', WINDOW_SLOTS: String(LIMITS.windowSlotsMax) })
        .WINDOW_SLOTS,
    ).toBe(LIMITS.windowSlotsMax);
    expect(() =>
      parseEnv(ServiceEnvSchema, {
        PROCESS_ID: 'a',
        WINDOW_SLOTS: String(LIMITS.windowSlotsMax + 1),
      }),
    ).toThrow(/WINDOW_SLOTS: /);
  });
});
