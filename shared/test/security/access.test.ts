import {
  KeyRing,
  accessNeedOf,
  authorizeRequest,
  bearerKey,
  hashClientKey,
  type AccessNeed,
  type ClientKey,
} from '@paxos/shared';

const keyOf = (name: string, access: 'read' | 'write', prefix: string | null = null) => ({
  text: `pxk_${name}-0123456789abcdefghijklmnop`,
  entry: { name, access, sha256: hashClientKey(`pxk_${name}-0123456789abcdefghijklmnop`), prefix },
});
const rw = keyOf('rw', 'write');
const ro = keyOf('ro', 'read');
const tenant = keyOf('tenant', 'write', 'tenant-a/');
const ring = new KeyRing([rw, ro, tenant].map((k) => k.entry as ClientKey));
const bearer = (k: { text: string }) => `Bearer ${k.text}`;

describe('accessNeedOf', () => {
  it.each([
    [
      { kind: 'get', key: 'k' },
      { write: false, keys: ['k'] },
    ],
    [
      { kind: 'put', key: 'k' },
      { write: true, keys: ['k'] },
    ],
    [
      { kind: 'delete', key: 'k' },
      { write: true, keys: ['k'] },
    ],
    [
      { kind: 'cas', key: 'k' },
      { write: true, keys: ['k'] },
    ],
    [
      { kind: 'list', prefix: 'p/' },
      { write: false, keys: { prefix: 'p/' } },
    ],
    // A range may reach any key: the prefix '' (only an unlimited key covers it).
    [{ kind: 'list' }, { write: false, keys: { prefix: '' } }],
    // An op kind nobody listed is a write: closed to read-only keys until it is looked at.
    [{ kind: 'truncate' }, { write: true, keys: { prefix: '' } }],
  ])('%j needs %j', (op, need) => {
    expect(accessNeedOf(op)).toEqual(need);
  });
});

describe('authorizeRequest', () => {
  const get = (key: string): AccessNeed => accessNeedOf({ kind: 'get', key });
  const put = (key: string): AccessNeed => accessNeedOf({ kind: 'put', key });
  const list = (prefix: string): AccessNeed => accessNeedOf({ kind: 'list', prefix });

  it('allows everything without a key ring (CLIENT_KEYS unset)', () => {
    expect(authorizeRequest(null, undefined, put('k'))).toBeNull();
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${rw.text}`],
    ['two tokens', `Bearer ${rw.text} extra`],
    ['an unknown key', 'Bearer pxk_not-a-key-of-this-ring-00000000000'],
    ['a key one character off', `Bearer ${rw.text.slice(0, -1)}q`],
    ['the hash instead of the key', `Bearer ${rw.entry.sha256}`],
  ])('401 for %s', (_, header) => {
    expect(authorizeRequest(ring, header, get('k'))).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('a read-write key does everything; a read-only key reads', () => {
    expect(authorizeRequest(ring, bearer(rw), put('k'))).toBeNull();
    expect(authorizeRequest(ring, bearer(ro), get('k'))).toBeNull();
    expect(authorizeRequest(ring, bearer(ro), list(''))).toBeNull();
    expect(authorizeRequest(ring, bearer(ro), put('k'))).toMatchObject({
      status: 403,
      code: 'forbidden',
      error: expect.stringContaining('read-only') as unknown,
    });
  });

  it('a prefix-limited key stays inside its prefix', () => {
    expect(authorizeRequest(ring, bearer(tenant), put('tenant-a/x'))).toBeNull();
    expect(authorizeRequest(ring, bearer(tenant), list('tenant-a/'))).toBeNull();
    expect(authorizeRequest(ring, bearer(tenant), list('tenant-a/sub/'))).toBeNull();
    for (const need of [put('tenant-b/x'), get('tenant-'), list('tenant-'), list('')]) {
      expect(authorizeRequest(ring, bearer(tenant), need)).toMatchObject({
        status: 403,
        code: 'forbidden',
        error: expect.stringContaining('"tenant-a/"') as unknown,
      });
    }
  });

  it('reads the scheme in any case, and refuses a key over the length bound', () => {
    expect(bearerKey(`bearer ${rw.text}`)).toBe(rw.text);
    expect(bearerKey(`Bearer ${'x'.repeat(513)}`)).toBeNull();
  });
});
