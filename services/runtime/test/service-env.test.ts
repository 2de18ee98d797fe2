import { ConfigurationError, ServiceEnvSchema, clusterFromEnv, parseEnv } from '../src/config';

describe('role service environment', () => {
  it('fills in the defaults: the 3/2/2 cluster, decisions from the leaders', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'acceptor-1' });
    expect(env.LEARN_FROM_ACCEPTORS).toBe(false);
    expect(env.CLAIM_BATCH).toBe(256);
    expect(clusterFromEnv(env)).toEqual({
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

  it('refuses a PROCESS_ID outside the cluster', () => {
    const env = parseEnv(ServiceEnvSchema, { PROCESS_ID: 'acceptor-9' });
    expect(() => clusterFromEnv(env)).toThrow(/PROCESS_ID acceptor-9 is not one of/);
  });
});
