import {
  ClientCommandSchema,
  KeySchema,
  LIMITS,
  MemberIdSchema,
  ValueSchema,
  clientDestination,
  isClientDestination,
  jsonStringBytes,
  opDigest,
  registrationSlotOf,
  sessionIdOf,
  unstorableCharAt,
  utf8Bytes,
} from '@paxos/shared';

describe('strings PostgreSQL can store', () => {
  it.each([
    ['plain text', 'hello', -1],
    ['a paired surrogate (an emoji)', 'a\u{1F600}b', -1],
    ['NUL', 'ab\u0000', 2],
    ['a lone high surrogate', 'a\ud800b', 1],
    ['a lone low surrogate', '\udc00', 0],
    ['a high surrogate at the end', 'ab\ud83d', 2],
  ])('%s', (_name, text, at) => {
    expect(unstorableCharAt(text)).toBe(at);
    expect(ValueSchema.safeParse(text).success).toBe(at < 0);
    expect(KeySchema.safeParse(text).success).toBe(at < 0);
  });
});

describe('byte accounting', () => {
  it.each([
    'plain',
    'quote " and \\ backslash',
    'tab\t nul\u0000 bell\u0007',
    'é€\u{1F600}',
    '\ud800x',
  ])('jsonStringBytes matches JSON.stringify for %j', (text) => {
    expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
    expect(utf8Bytes(JSON.stringify(text))).toBe(Buffer.byteLength(JSON.stringify(text)));
  });
  it('measures a value by what it costs as JSON, not by its length', () => {
    const controls = '\u0001'.repeat(Math.floor(LIMITS.valueJsonBytesMax / 6));
    expect(ValueSchema.safeParse(controls).success).toBe(true);
    expect(ValueSchema.safeParse(controls + '\u0001').success).toBe(false);
    expect(ValueSchema.safeParse('x'.repeat(LIMITS.valueJsonBytesMax)).success).toBe(false);
  });
});

describe('sessions and request numbers', () => {
  it('derives a session id from its slot and position, and back', () => {
    expect(registrationSlotOf(sessionIdOf(7, 3))).toBe(7);
    expect(sessionIdOf(7, 3)).not.toBe(sessionIdOf(8, 3));
  });
  it('refuses session 0, string request numbers and request number 0 for a client command', () => {
    const op = { kind: 'get', key: 'k' };
    expect(ClientCommandSchema.safeParse({ sessionId: 5, requestId: 1, op }).success).toBe(true);
    expect(ClientCommandSchema.safeParse({ sessionId: 0, requestId: 1, op }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ sessionId: 5, requestId: '1', op }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ sessionId: 5, requestId: 0, op }).success).toBe(false);
  });
  it('tells operations apart by digest', () => {
    const put = opDigest({ kind: 'put', key: 'k', value: 'v' });
    expect(opDigest({ kind: 'put', key: 'k', value: 'v' })).toBe(put);
    expect(opDigest({ kind: 'put', key: 'k', value: 'w' })).not.toBe(put);
    expect(opDigest({ kind: 'put', key: 'kv', value: '' })).not.toBe(
      opDigest({ kind: 'put', key: 'k', value: 'v' }),
    );
    expect(opDigest({ kind: 'cas', key: 'k', expected: null, value: 'v' })).not.toBe(
      opDigest({ kind: 'cas', key: 'k', expected: 'null', value: 'v' }),
    );
    expect(opDigest({ kind: 'get', key: 'k' })).not.toBe(opDigest({ kind: 'delete', key: 'k' }));
  });
});

describe('the client namespace', () => {
  it('keeps clients and members apart', () => {
    expect(isClientDestination(clientDestination(12))).toBe(true);
    expect(isClientDestination('leader-0')).toBe(false);
    expect(MemberIdSchema.safeParse('leader-0').success).toBe(true);
    expect(MemberIdSchema.safeParse('client:3').success).toBe(false);
  });
});
