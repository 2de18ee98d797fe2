import { LIMITS, jsonStringBytes } from '@paxos/shared';
import type { Prng } from '../random/prng';

/**
 * Strings a hostile client sends. PostgreSQL stores neither the NUL character nor half of a
 * UTF-16 surrogate pair (in `text` or `jsonb`): one such value used to stop every acceptor for
 * good. The boundary must refuse these, so they never reach a role.
 */
const UNSTORABLE = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff'] as const;

/** `text` with one unstorable character inserted somewhere (text itself is plain ASCII). */
export function withUnstorableChar(rng: Prng, text: string): string {
  const at = rng.intBetween(0, text.length);
  return text.slice(0, at) + rng.pick(UNSTORABLE) + text.slice(at);
}

/**
 * Characters whose JSON costs more than they look: escaped quotes and backslashes (2 bytes),
 * control characters (2 or 6), and 2-, 3- and 4-byte UTF-8 (the last a surrogate pair).
 */
const COSTLY = ['"', '\\', '\n', '\t', '\u0001', '\u001f', 'é', '€', '😀', 'x'] as const;

/**
 * A value that starts with `prefix` (which keeps it unique in the history) and is exactly
 * `jsonBytes` bytes as JSON, filled with characters that escape or take several bytes.
 */
export function valueOfJsonBytes(rng: Prng, prefix: string, jsonBytes: number): string {
  const parts: string[] = [prefix];
  let bytes = jsonStringBytes(prefix);
  // Costs add up: none of the pieces is half of a surrogate pair.
  const slackBytes = 8;
  while (bytes < jsonBytes - slackBytes) {
    // Runs of one character: as varied as single picks for escaping, and 64 KiB stays cheap.
    const c = rng.pick(COSTLY);
    const cost = jsonStringBytes(c) - 2;
    const run = Math.min(
      rng.intBetween(1, 64),
      Math.floor((jsonBytes - slackBytes - bytes) / cost) || 1,
    );
    parts.push(c.repeat(run));
    bytes += cost * run;
  }
  if (bytes > jsonBytes) throw new Error(`prefix ${prefix} is over ${jsonBytes} JSON bytes`);
  parts.push('x'.repeat(jsonBytes - bytes));
  const value = parts.join('');
  if (jsonStringBytes(value) !== jsonBytes) {
    throw new Error(`built a value of ${jsonStringBytes(value)} JSON bytes, wanted ${jsonBytes}`);
  }
  return value;
}

/** A value exactly at the per-command limit: valid, and as large as a command may carry. */
export const valueAtLimit = (rng: Prng, prefix: string): string =>
  valueOfJsonBytes(rng, prefix, LIMITS.valueJsonBytesMax);

/** One byte over the limit: the boundary refuses it (400). */
export const valueOverLimit = (rng: Prng, prefix: string): string =>
  valueOfJsonBytes(rng, prefix, LIMITS.valueJsonBytesMax + 1);

/**
 * A valid key of exactly LIMITS.keyCharsMax characters with quotes and control characters
 * (one per client, so a hostile client adds one key to the small shared key set).
 */
export function longKey(clientIndex: number): string {
  const head = `long-${clientIndex}"\\\n\u0001`;
  return head + 'k'.repeat(LIMITS.keyCharsMax - head.length);
}
