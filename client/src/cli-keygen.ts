import { createHash, randomBytes } from 'node:crypto';

/**
 * `paxos-kv keygen`: a new client key and the CLIENT_KEYS entry that admits it. Computed here
 * (sha256 of the key's UTF-8 text, lower-case hex) so the package needs nothing of the
 * servers'; the format is the replicas' (docs/configuration.md, CLIENT_KEYS).
 */

export type Access = 'read' | 'write';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The replicas' key length bound (LIMITS.keyCharsMax). */
const PREFIX_CHARS_MAX = 256;

export function generateKey(): string {
  return `pxk_${randomBytes(32).toString('base64url')}`;
}

export function keyEntry(name: string, access: Access, key: string, prefix?: string): string {
  if (!NAME.test(name)) throw new Error('--name: 1-64 letters, digits, `_`, `.` or `-`');
  if (prefix !== undefined) {
    if (prefix === '' || prefix.length > PREFIX_CHARS_MAX || prefix.includes(',')) {
      throw new Error(`--prefix: 1-${PREFIX_CHARS_MAX} characters, no comma`);
    }
  }
  const sha256 = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${name}:${access}:${sha256}${prefix === undefined ? '' : `:${prefix}`}`;
}
