import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LIMITS } from '../limits';

/**
 * Client API keys (CLIENT_KEYS). A replica never holds a key's text, only its SHA-256, so the
 * environment, a process listing or a leaked manifest does not hand out working keys; several
 * entries let an operator add a key, move the applications to it, then drop the old one.
 *
 * One entry is `name:access:sha256hex[:prefix]`; entries are separated by commas. The prefix is
 * everything after the third colon (it may hold colons, not commas).
 */

/** `read`: get, list, watch and registering a session. `write`: everything. */
export const ClientAccessSchema = z.enum(['read', 'write'], {
  message: 'access must be `read` or `write`',
});
export type ClientAccess = z.infer<typeof ClientAccessSchema>;

/** A name for logs and audit lines: short, and free of the separators of the entry format. */
export const ClientKeyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a name is 1-64 letters, digits, `_`, `.` or `-`');

const Sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'the hash must be 64 lower-case hex digits (sha256 of the key)');

const PrefixSchema = z
  .string()
  .min(1, 'an empty prefix: leave the fourth field out instead')
  .max(LIMITS.keyCharsMax, `a prefix is at most ${LIMITS.keyCharsMax} characters`)
  .refine((p) => !p.includes(','), 'a prefix cannot hold a comma (it separates entries)');

export interface ClientKey {
  name: string;
  access: ClientAccess;
  /** sha256 of the key's UTF-8 text, lower-case hex. */
  sha256: string;
  /** The key may touch only keys that start with this; null: every key. */
  prefix: string | null;
}

/** One entry's text as a ClientKey; zod issues name the entry by position, never the text. */
const EntrySchema = z.string().transform((text, ctx): ClientKey => {
  const fields = text.split(':');
  if (fields.length < 3) {
    ctx.addIssue({ code: 'custom', message: 'expected name:access:sha256hex[:prefix]' });
    return z.NEVER;
  }
  const [name, access, sha256] = fields as [string, string, string];
  const prefix = fields.length > 3 ? fields.slice(3).join(':') : null;
  const checks = [
    ClientKeyNameSchema.safeParse(name),
    ClientAccessSchema.safeParse(access),
    Sha256HexSchema.safeParse(sha256),
    prefix === null ? null : PrefixSchema.safeParse(prefix),
  ];
  for (const c of checks) {
    if (c && !c.success) {
      for (const issue of c.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
      return z.NEVER;
    }
  }
  return { name, access: access as ClientAccess, sha256, prefix };
});

/**
 * CLIENT_KEYS as zod reads it: unset or blank is `null` (no authentication: the caller decides
 * whether that may start), else at least one entry, at most LIMITS.clientKeysMax, with distinct
 * names and distinct hashes (one key cannot have two rights).
 */
export const ClientKeysEnvSchema = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? null : v))
  .pipe(
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0),
      )
      .pipe(
        z
          .array(EntrySchema)
          .min(1, 'no entry')
          .max(LIMITS.clientKeysMax, `at most ${LIMITS.clientKeysMax} keys`),
      )
      .superRefine((keys, ctx) => {
        const names = new Set<string>();
        const hashes = new Set<string>();
        for (const k of keys) {
          if (names.has(k.name)) {
            ctx.addIssue({ code: 'custom', message: `two entries are named ${k.name}` });
          }
          if (hashes.has(k.sha256)) {
            ctx.addIssue({ code: 'custom', message: `${k.name}: the same key is listed twice` });
          }
          names.add(k.name);
          hashes.add(k.sha256);
        }
      })
      .nullable(),
  );

/** sha256 of a key's UTF-8 text, lower-case hex: what CLIENT_KEYS lists. */
export function hashClientKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The prefix of every generated key: recognisable in a leaked log or a secret scanner. */
export const CLIENT_KEY_PREFIX = 'pxk_';

/** A fresh key: `pxk_` and 32 random bytes in base64url (256 bits). */
export function generateClientKey(): string {
  return CLIENT_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The CLIENT_KEYS entry of a key (what `kv keygen` prints for the operator to add). Throws
 * when the name, access or prefix could not be read back by ClientKeysEnvSchema.
 */
export function clientKeyEntry(
  name: string,
  access: ClientAccess,
  key: string,
  prefix?: string,
): string {
  const problems = [
    ClientKeyNameSchema.safeParse(name),
    ClientAccessSchema.safeParse(access),
    prefix === undefined ? null : PrefixSchema.safeParse(prefix),
  ].flatMap((r) => (r === null || r.success ? [] : r.error.issues.map((i) => i.message)));
  if (problems.length > 0) throw new Error(`not a valid key entry: ${problems.join('; ')}`);
  return `${name}:${access}:${hashClientKey(key)}${prefix === undefined ? '' : `:${prefix}`}`;
}
