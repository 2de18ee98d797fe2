import { DEFAULT_WINDOW_SLOTS } from '@paxos/runtime';
import { LIMITS } from '@paxos/shared';
import { replicaSettings } from '../src/service/replica-env';

describe('replica settings from the environment', () => {
  it('defaults every bound to LIMITS', () => {
    const s = replicaSettings({});
    expect(s.timings).toMatchObject({
      sessionsMax: LIMITS.sessionsMax,
      responsesPerSession: LIMITS.responsesPerSessionMax,
      responseCacheJsonBytesMax: LIMITS.responseCacheJsonBytesMax,
      kvKeysMax: LIMITS.kvKeysMax,
      kvBytesMax: LIMITS.kvBytesMax,
      batchMaxBytes: LIMITS.batchJsonBytesMax,
    });
    expect(s.pendingBounds).toEqual({
      commandsMax: LIMITS.pendingCommandsMax,
      bytesMax: LIMITS.pendingCommandBytesMax,
    });
  });

  it('reads each variable', () => {
    const s = replicaSettings({
      SESSIONS_MAX: '10',
      RESPONSES_PER_SESSION: '4',
      RESPONSE_CACHE_BYTES_MAX: '2048',
      KV_KEYS_MAX: '100',
      KV_BYTES_MAX: '4096',
      PENDING_COMMANDS_MAX: '7',
      PENDING_COMMAND_BYTES_MAX: String(LIMITS.commandBodyBytesMax * 2),
    });
    expect(s.timings).toMatchObject({
      sessionsMax: 10,
      responsesPerSession: 4,
      responseCacheJsonBytesMax: 2048,
      kvKeysMax: 100,
      kvBytesMax: 4096,
    });
    expect(s.pendingBounds).toEqual({ commandsMax: 7, bytesMax: LIMITS.commandBodyBytesMax * 2 });
  });

  it.each([
    ['BATCH_MAX_BYTES', String(LIMITS.batchJsonBytesMax + 1)],
    ['SESSIONS_MAX', '0'],
    // Smaller than one command body: no command could ever be admitted.
    ['PENDING_COMMAND_BYTES_MAX', String(LIMITS.commandBodyBytesMax - 1)],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => replicaSettings({ [name]: value })).toThrow(name);
  });

  it('reads the admin key (unset or empty: disabled) and refuses a short one without echoing it', () => {
    expect(replicaSettings({}).adminKey).toBeNull();
    expect(replicaSettings({ ADMIN_KEY: '' }).adminKey).toBeNull();
    expect(replicaSettings({ ADMIN_KEY: 'a-key-of-16-char' }).adminKey).toBe('a-key-of-16-char');
    const parse = () => replicaSettings({ ADMIN_KEY: 'short-secret' });
    expect(parse).toThrow(/ADMIN_KEY: must be at least 16 characters/);
    expect(parse).not.toThrow(/short-secret/);
  });

  it('reads JOIN_FROM as the replicas a new member asks for a snapshot', () => {
    expect(replicaSettings({}).timings.joinFrom).toBeUndefined();
    expect(replicaSettings({ JOIN_FROM: 'replica-0, replica-2' }).timings.joinFrom).toEqual([
      'replica-0',
      'replica-2',
    ]);
    expect(() => replicaSettings({ JOIN_FROM: 'client:4' })).toThrow(/JOIN_FROM/);
  });

  it('bounds WINDOW_SLOTS by LIMITS.windowSlotsMax, default as the shell', () => {
    expect(replicaSettings({}).timings.windowSlots).toBe(DEFAULT_WINDOW_SLOTS);
    expect(
      replicaSettings({ WINDOW_SLOTS: String(LIMITS.windowSlotsMax) }).timings.windowSlots,
    ).toBe(LIMITS.windowSlotsMax);
    expect(() => replicaSettings({ WINDOW_SLOTS: String(LIMITS.windowSlotsMax + 1) })).toThrow(
      /WINDOW_SLOTS/,
    );
  });
});
