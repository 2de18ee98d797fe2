import { z } from 'zod';

/**
 * Strings that PostgreSQL can store. Client keys and values end up in `jsonb` (a replica's
 * snapshot, an acceptor's accepted pvalue) and in `text` (queue payloads): `text` refuses the
 * NUL character and `jsonb` refuses both `\u0000` and a UTF-16 surrogate that is not half of a
 * pair. Such a string is refused where it enters (a 400 naming the field), so it can never reach
 * a write that fails: one such write used to stop every acceptor for good.
 */
export function unstorableCharAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return i;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i += 1;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

export const UNSTORABLE_MESSAGE =
  'must not contain the NUL character (\\u0000) or an unpaired UTF-16 surrogate (PostgreSQL cannot store them)';

/** A string schema that refuses what PostgreSQL cannot store. */
export function storable<T extends z.ZodString>(schema: T) {
  return schema.refine((s) => unstorableCharAt(s) < 0, { message: UNSTORABLE_MESSAGE });
}
