import { LIMITS, unstorableCharAt, type Envelope, type PersistOp } from '@paxos/shared';
import { violated } from './violation';

/** A message a role sent, with its JSON text when the shell already made it. */
export type SentEnvelope = Envelope & { payload?: string };
/** A durable write, a put with its value's JSON text when the caller already made it. */
export type WrittenOp = PersistOp & { json?: string };

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

  /**
   * `payload`, when given, is the message's JSON text as the shell serialized it (the queued
   * row): measured as it is rather than serialized again.
   */
  afterSends(from: string, sends: readonly SentEnvelope[]): void {
    // A message sent to several destinations is one text: measured and scanned once.
    const measured = new Map<string, { bytes: number; unstorable: boolean }>();
    for (const { to, message, payload } of sends) {
      const json = payload ?? JSON.stringify(message);
      let verdict = measured.get(json);
      if (verdict === undefined) {
        verdict = { bytes: jsonTextBytes(json), unstorable: hasUnstorableEscape(json) };
        measured.set(json, verdict);
      }
      const { bytes } = verdict;
      this.messageMaxJsonBytes = Math.max(this.messageMaxJsonBytes, bytes);
      if (bytes > LIMITS.messageJsonBytesMax) {
        violated(
          'limits',
          `${from} sent a ${message.type} of ${bytes} JSON bytes to ${to}, over ` +
            `LIMITS.messageJsonBytesMax (${LIMITS.messageJsonBytesMax})`,
        );
      }
      if (verdict.unstorable) {
        const where = unstorableIn(message, message.type) ?? '(an unstorable string)';
        violated('storable', `${from} sent a ${message.type} to ${to} with ${where}`);
      }
    }
  }

  /** A put's `json`, when given, is JSON.stringify of its value: measured as it is. */
  afterWrites(from: string, writes: readonly WrittenOp[]): void {
    for (const write of writes) {
      if (write.op !== 'put') continue;
      const json = write.json ?? JSON.stringify(write.value) ?? 'null';
      const bytes = jsonTextBytes(json);
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
 * UTF-8 bytes of JSON text, counted natively: JSON.stringify leaves no lone surrogate, so this
 * is utf8Bytes of it, a few times faster on the large messages of hostile runs.
 */
function jsonTextBytes(json: string): number {
  return Buffer.byteLength(json, 'utf8');
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
