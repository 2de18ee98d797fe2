import type { Slot } from '@paxos/shared';
import { forgetAnswersOf } from './response-cache';
import type { ReplicaState, Session } from './state';

/**
 * The session table (Raft dissertation 6.3; TigerBeetle's client_sessions). Sessions are
 * created and evicted only by applying the log, and every choice below depends only on the
 * log and the bounds (which every replica shares), so every replica, and one recovering from a
 * snapshot, holds the same sessions. A session id is derived from the slot and position of
 * its registration (sessionIdOf), so an evicted id is never created again: a command of an
 * evicted session is refused for good, never run.
 */

/** Creates the session registered at `slot`, evicting the least recently active when full. */
export function registerSession(state: ReplicaState, id: number, slot: Slot): Session {
  if (state.sessions.has(id)) {
    // sessionIdOf(slot, position) is unique, and each slot is applied once.
    throw new Error(`session ${id} registered twice (slot ${slot})`);
  }
  while (state.sessions.size >= state.bounds.sessionsMax) {
    evictSession(state, leastRecentlyActive(state));
  }
  const session: Session = { id, lastActiveSlot: slot, floor: 0, answers: new Map() };
  state.sessions.set(id, session);
  state.counters.sessionsRegistered += 1;
  return session;
}

/** The session ran a command at `slot`: it moves to the end of the table's order. */
export function touchSession(state: ReplicaState, session: Session, slot: Slot): void {
  if (slot < session.lastActiveSlot) {
    throw new Error(`session ${session.id} active at slot ${slot} after ${session.lastActiveSlot}`);
  }
  session.lastActiveSlot = slot;
  state.sessions.delete(session.id);
  state.sessions.set(session.id, session);
}

/**
 * The lowest lastActiveSlot, ties by lowest id. The table is ordered by lastActiveSlot, so
 * only the sessions tied with the first are looked at (those active in one slot).
 */
export function leastRecentlyActive(state: ReplicaState): Session {
  let victim: Session | null = null;
  for (const session of state.sessions.values()) {
    if (victim === null) victim = session;
    else if (session.lastActiveSlot > victim.lastActiveSlot) break;
    else if (session.id < victim.id) victim = session;
  }
  if (victim === null) throw new Error('no session to evict');
  return victim;
}

function evictSession(state: ReplicaState, session: Session): void {
  forgetAnswersOf(state, session);
  state.sessions.delete(session.id);
  state.counters.sessionsEvicted += 1;
}

/**
 * Restores the table's order from a snapshot (whatever order its rows came in): by
 * lastActiveSlot, then id. Ties may sit in another order than in the live table; eviction
 * reads only (lastActiveSlot, id), so it picks the same victims.
 */
export function sortSessions(state: ReplicaState): void {
  const sorted = [...state.sessions.values()].sort(
    (a, b) => a.lastActiveSlot - b.lastActiveSlot || a.id - b.id,
  );
  state.sessions = new Map(sorted.map((s) => [s.id, s]));
}
