import { commandKey, jsonStringBytes, type OpResult } from '@paxos/shared';
import type { CachedAnswer, ReplicaState, Session } from './state';

/**
 * The response cache answers a client that retries a command it already ran (PMMC pitfall 5)
 * and is bounded (pitfall 6) twice over: each session keeps its `responsesPerSession` highest
 * request numbers, and all answers' values together stay under `responseCacheJsonBytesMax`
 * (the oldest answers, across sessions, go first). Both evictions depend only on the order
 * commands were performed, so every replica (and a recovering one) evicts the same answers.
 *
 * At most once: an answer leaves the cache only (a) by raising its session's floor to at least
 * its request number, after which a retry of that number is refused 'request-too-old' wherever
 * it is decided, or (b) with its whole session, after which every command of that session is
 * refused 'session-unknown' (ids are never reused). So a retry of a command that ran is either
 * answered from the cache or refused, and never runs a second time.
 */

/**
 * The bytes an answer is counted for: its value as JSON, and a list's entries (the rest is
 * small and bounded).
 */
export function valueJsonBytesOf(result: OpResult): number {
  let bytes = result.value === null ? 4 : jsonStringBytes(result.value);
  for (const e of result.entries ?? []) bytes += jsonStringBytes(e.key) + jsonStringBytes(e.value);
  return bytes;
}

export function rememberAnswer(state: ReplicaState, session: Session, answer: CachedAnswer): void {
  if (session.answers.has(answer.requestId) || answer.requestId <= session.floor) {
    throw new Error(`answer ${commandKey(answer)} remembered twice or below its floor`);
  }
  session.answers.set(answer.requestId, answer);
  state.responses.set(commandKey(answer), answer);
  state.responseValueBytes += answer.valueJsonBytes;
  while (session.answers.size > state.bounds.responsesPerSession) {
    evictAnswer(state, session, lowestRequestId(session));
  }
  // Map iteration follows insertion order: the first entries are the oldest.
  for (const oldest of state.responses.values()) {
    if (state.responseValueBytes <= state.bounds.responseCacheJsonBytesMax) break;
    const owner = state.sessions.get(oldest.sessionId);
    if (!owner) throw new Error(`cached answer ${commandKey(oldest)} of no session`);
    evictAnswer(state, owner, oldest.requestId);
  }
}

/** Puts back an answer read from a snapshot, without evicting (it was within bounds). */
export function restoreAnswer(state: ReplicaState, session: Session, answer: CachedAnswer): void {
  session.answers.set(answer.requestId, answer);
  state.responses.set(commandKey(answer), answer);
  state.responseValueBytes += answer.valueJsonBytes;
}

function lowestRequestId(session: Session): number {
  let lowest = Infinity;
  for (const requestId of session.answers.keys()) lowest = Math.min(lowest, requestId);
  return lowest;
}

/** The only way an answer leaves a live session: the floor rises over it (see above). */
function evictAnswer(state: ReplicaState, session: Session, requestId: number): void {
  const answer = session.answers.get(requestId);
  if (!answer) throw new Error(`session ${session.id} has no answer ${requestId} to evict`);
  session.answers.delete(requestId);
  state.responses.delete(commandKey(answer));
  state.responseValueBytes -= answer.valueJsonBytes;
  session.floor = Math.max(session.floor, requestId);
  state.counters.answersEvicted += 1;
}

/** A session is evicted: its answers go with it. */
export function forgetAnswersOf(state: ReplicaState, session: Session): void {
  for (const answer of session.answers.values()) {
    state.responses.delete(commandKey(answer));
    state.responseValueBytes -= answer.valueJsonBytes;
  }
  session.answers.clear();
}
