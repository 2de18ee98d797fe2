import { LIMITS, SESSION_SLOT_FACTOR, firstRevisionOf, unstorableCharAt } from '@paxos/shared';
import type { IncomingMessage } from 'node:http';

/** What GET /watch asks for: keys under `prefix`, from revision `from` (null: from now on). */
export interface WatchQuery {
  prefix: string;
  from: number | null;
}

const PARAMETERS = new Set(['prefix', 'from', 'fromSlot']);
const DIGITS = /^[0-9]{1,16}$/;

/**
 * Reads `?prefix=P&from=REV` or `?prefix=P&fromSlot=S`, and the `Last-Event-ID` header an
 * EventSource sends when it reconnects (it resumes after that id, and wins over the query,
 * which still names where the feed first started). Returns the query or why it is bad (400).
 */
export function parseWatchQuery(req: IncomingMessage): WatchQuery | { error: string } {
  const url = new URL(req.url ?? '/', 'http://replica');
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.has(name))
      return { error: `unknown parameter "${name}" (prefix, from, fromSlot)` };
  }
  const prefix = url.searchParams.get('prefix') ?? '';
  if (prefix.length > LIMITS.keyCharsMax) {
    return { error: `prefix is longer than ${LIMITS.keyCharsMax} characters` };
  }
  if (unstorableCharAt(prefix) >= 0) return { error: 'prefix has a character no key can hold' };
  const fromText = url.searchParams.get('from');
  const fromSlotText = url.searchParams.get('fromSlot');
  if (fromText !== null && fromSlotText !== null)
    return { error: 'give from or fromSlot, not both' };
  let from: number | null = null;
  if (fromText !== null) {
    from = wholeNumber(fromText);
    if (from === null) return { error: 'from must be a revision (a whole number)' };
  }
  if (fromSlotText !== null) {
    const slot = wholeNumber(fromSlotText);
    if (slot === null || slot < 1 || slot > Number.MAX_SAFE_INTEGER / SESSION_SLOT_FACTOR) {
      return { error: 'fromSlot must be a slot (a whole number from 1)' };
    }
    from = firstRevisionOf(slot);
  }
  const lastEventId = req.headers['last-event-id'];
  if (typeof lastEventId === 'string' && lastEventId.trim() !== '') {
    const last = wholeNumber(lastEventId.trim());
    if (last === null) return { error: 'Last-Event-ID must be a revision the feed sent' };
    from = last + 1;
  }
  return { prefix, from };
}

function wholeNumber(text: string): number | null {
  if (!DIGITS.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
