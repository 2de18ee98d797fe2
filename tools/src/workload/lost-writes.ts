import type { RecordedOperation } from './kv-client';

export interface LostWrite {
  key: string;
  /** Values the key may hold: the last acknowledged write's, or a later unanswered one's. */
  allowed: Array<string | null>;
  actual: string | null;
}

/**
 * For keys that only one sequential client writes (with put/delete): after the run, a key
 * must hold the value of that client's last ACKNOWLEDGED write, or of a write issued after
 * it whose answer never came (it may or may not have run). Anything else means an
 * acknowledged write was lost.
 */
export function findLostWrites(
  history: RecordedOperation[],
  finalValues: ReadonlyMap<string, string | null>,
): LostWrite[] {
  const writesByKey = new Map<string, RecordedOperation[]>();
  for (const op of history) {
    if (op.input.kind !== 'put' && op.input.kind !== 'delete') continue;
    const list = writesByKey.get(op.input.key) ?? [];
    list.push(op);
    writesByKey.set(op.input.key, list);
  }
  const lost: LostWrite[] = [];
  for (const [key, writes] of writesByKey) {
    writes.sort((a, b) => a.call - b.call);
    let lastAcked = -1;
    writes.forEach((w, i) => {
      if (w.output !== null) lastAcked = i;
    });
    const valueOf = (w: RecordedOperation) => (w.input.kind === 'put' ? w.input.value : null);
    const allowed = writes.slice(Math.max(0, lastAcked)).map(valueOf);
    // Before any acknowledged write the key may still be absent.
    if (lastAcked === -1) allowed.push(null);
    const actual = finalValues.get(key) ?? null;
    if (!allowed.includes(actual)) lost.push({ key, allowed, actual });
  }
  return lost;
}

/** How many acknowledged operations wrote something (put, delete, successful cas). */
export function acknowledgedWrites(history: RecordedOperation[]): number {
  return history.filter((op) => op.output !== null && op.input.kind !== 'get' && op.output.ok)
    .length;
}
