import { LIMITS, utf8Bytes, unstorableCharAt, type Envelope, type PersistOp } from '@paxos/shared';
import { violated } from './violation';

/**
 * Every message a role sends and every value it makes durable stays within LIMITS (so it fits
 * the data API's body limit), and holds only strings PostgreSQL can store: a write that can
 * never succeed is what stopped the fleet in issue 17 (points 1-3). Checked at the role's
 * output, before any link can lose it.
 */
export class LimitsChecker {
  /** The largest message and durable value seen, for the run's statistics. */
  messageMaxJsonBytes = 0;
  stateWriteMaxJsonBytes = 0;

  afterSends(from: string, sends: readonly Envelope[]): void {
    for (const { to, message } of sends) {
      const json = JSON.stringify(message);
      const bytes = utf8Bytes(json);
      this.messageMaxJsonBytes = Math.max(this.messageMaxJsonBytes, bytes);
      if (bytes > LIMITS.messageJsonBytesMax) {
        violated(
          'limits',
          `${from} sent a ${message.type} of ${bytes} JSON bytes to ${to}, over ` +
            `LIMITS.messageJsonBytesMax (${LIMITS.messageJsonBytesMax})`,
        );
      }
      if (hasUnstorableEscape(json)) {
        const where = unstorableIn(message, message.type) ?? '(an unstorable string)';
        violated('storable', `${from} sent a ${message.type} to ${to} with ${where}`);
      }
    }
  }

  afterWrites(from: string, writes: readonly PersistOp[]): void {
    for (const write of writes) {
      if (write.op !== 'put') continue;
      const json = JSON.stringify(write.value) ?? 'null';
      const bytes = utf8Bytes(json);
      this.stateWriteMaxJsonBytes = Math.max(this.stateWriteMaxJsonBytes, bytes);
      if (bytes > LIMITS.stateWriteJsonBytesMax) {
        violated(
          'limits',
          `${from} wrote ${write.key} of ${bytes} JSON bytes, over ` +
            `LIMITS.stateWriteJsonBytesMax (${LIMITS.stateWriteJsonBytesMax})`,
        );
      }
      if (unstorableCharAt(write.key) >= 0 || hasUnstorableEscape(json)) {
        const where =
          unstorableIn(write.key, 'key') ?? unstorableIn(write.value, write.key) ?? '(?)';
        violated('storable', `${from} wrote ${write.key} with ${where}`);
      }
    }
  }
}

/**
 * Does JSON text made by JSON.stringify hold a string PostgreSQL cannot store? JSON.stringify
 * writes the NUL character as `\u0000` and a lone surrogate as `\udXXX`, and never escapes
 * anything else that way but other control characters, so one pass over the escapes tells
 * (a fast path: the text is at hand anyway, to measure it).
 */
export function hasUnstorableEscape(json: string): boolean {
  return UNSTORABLE_ESCAPE.test(json);
}

/**
 * `\u0000` or `\ud800`-`\udfff` preceded by an even number of backslashes (an odd number
 * would make the first one an escaped backslash). Anchored on a non-backslash, so a long run of
 * backslashes is tried from one place only: linear time.
 */
const UNSTORABLE_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f])/;

/**
 * The first string inside `value` (keys included) that PostgreSQL cannot store, described by
 * its path, or null.
 */
export function unstorableIn(value: unknown, path: string): string | null {
  if (typeof value === 'string') {
    const at = unstorableCharAt(value);
    if (at < 0) return null;
    const code = value.charCodeAt(at).toString(16).padStart(4, '0');
    return `\\u${code} at index ${at} of ${path}`;
  }
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorableIn(value[i], `${path}[${i}]`);
      if (bad !== null) return bad;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const bad = unstorableIn(k, `${path} key`) ?? unstorableIn(v, `${path}.${k}`);
    if (bad !== null) return bad;
  }
  return null;
}
