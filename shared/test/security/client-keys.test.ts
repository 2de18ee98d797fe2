import {
  ClientKeysEnvSchema,
  LIMITS,
  clientKeyEntry,
  generateClientKey,
  hashClientKey,
} from '@paxos/shared';

const HASH = hashClientKey('pxk_a-test-key-that-is-long-enough');
const parse = (raw: string | undefined) => ClientKeysEnvSchema.safeParse(raw);
const problems = (raw: string) => {
  const r = parse(raw);
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => i.message).join('; ');
};

describe('CLIENT_KEYS', () => {
  it('reads entries with and without a prefix (the prefix may hold colons)', () => {
    const r = parse(` app:write:${HASH} , ro:read:${'a'.repeat(64)}:tenant:7/ `);
    expect(r.success).toBe(true);
    expect(r.data).toEqual([
      { name: 'app', access: 'write', sha256: HASH, prefix: null },
      { name: 'ro', access: 'read', sha256: 'a'.repeat(64), prefix: 'tenant:7/' },
    ]);
  });

  it.each([undefined, '', '  '])('unset or blank (%p) is null: no authentication', (raw) => {
    expect(parse(raw)).toEqual({ success: true, data: null });
  });

  it.each([
    ['app:write', 'expected name:access:sha256hex[:prefix]'],
    [`app:admin:${HASH}`, 'access must be `read` or `write`'],
    [`app:write:${HASH.toUpperCase()}`, '64 lower-case hex digits'],
    [`app:write:${HASH.slice(1)}`, '64 lower-case hex digits'],
    [`bad name:write:${HASH}`, 'a name is 1-64'],
    [`app:write:${HASH}:`, 'an empty prefix'],
    [`a:write:${HASH},a:read:${'b'.repeat(64)}`, 'two entries are named a'],
    [`a:write:${HASH},b:read:${HASH}`, 'b: the same key is listed twice'],
  ])('refuses %s: %s', (raw, message) => {
    expect(problems(raw)).toContain(message);
  });

  it(`holds at most LIMITS.clientKeysMax (${LIMITS.clientKeysMax}) keys`, () => {
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => `k${i}:read:${hashClientKey(`key-${i}`)}`).join(',');
    expect(parse(entries(LIMITS.clientKeysMax)).success).toBe(true);
    expect(problems(entries(LIMITS.clientKeysMax + 1))).toContain(
      `at most ${LIMITS.clientKeysMax} keys`,
    );
  });

  it('never echoes an entry in its messages (a key pasted by mistake stays out of logs)', () => {
    const pasted = 'pxk_this-is-the-key-itself-not-its-hash-0000000';
    expect(problems(`app:write:${pasted}`)).not.toContain(pasted);
  });
});

describe('keys', () => {
  it('hashes the UTF-8 text with sha256 (lower-case hex)', () => {
    // sha256("abc"), FIPS 180-2 appendix B.1
    expect(hashClientKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('generates pxk_ keys of 32 random bytes in base64url', () => {
    const a = generateClientKey();
    const b = generateClientKey();
    expect(a).toMatch(/^pxk_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('writes the entry of a key, which CLIENT_KEYS reads back', () => {
    const key = generateClientKey();
    const entry = clientKeyEntry('ci', 'read', key, 'jobs/');
    expect(entry).toBe(`ci:read:${hashClientKey(key)}:jobs/`);
    expect(entry).not.toContain(key);
    expect(ClientKeysEnvSchema.parse(entry)).toEqual([
      { name: 'ci', access: 'read', sha256: hashClientKey(key), prefix: 'jobs/' },
    ]);
    expect(clientKeyEntry('ci', 'write', key)).toBe(`ci:write:${hashClientKey(key)}`);
    expect(() => clientKeyEntry('two words', 'write', key)).toThrow('a name is 1-64');
    expect(() => clientKeyEntry('ci', 'write', key, 'a,b')).toThrow('cannot hold a comma');
  });
});
