import {
  ballotAfter,
  ballotGreater,
  ballotToString,
  type Ballot,
  type StepCollector,
} from '@paxos/shared';
import { growBackoff, scheduleScout } from './failure-detector';
import type { LeaderState } from './state';

/**
 * A higher ballot exists. Everything changes only if it is above our ballot (pitfall 1: a
 * stale preemption that made us passive without a new ballot would leave us passive forever).
 * The next scout is scheduled, not started: see failure-detector.ts.
 */
export function preempted(
  state: LeaderState,
  higher: Ballot,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  if (!ballotGreater(higher, state.ballot)) {
    state.counters.staleIgnored += 1;
    out.notes.push(
      `preempted by ${ballotToString(higher)} ignored: not above ${ballotToString(state.ballot)}`,
    );
    return;
  }
  if (higher.leaderId === state.config.id) {
    // Our durable ballot is the highest we ever sent, and we restart above it; seeing a higher
    // one of ours means this process lost its state and rejoined under its old identity.
    throw new Error(
      `leader ${state.config.id} sees its own ballot ${ballotToString(higher)} above ` +
        `${ballotToString(state.ballot)}: durable state was lost`,
    );
  }
  const wasCompeting = state.active || state.scout !== null;
  state.active = false;
  state.scout = null;
  state.commanders.clear();
  state.heartbeatDueAt = null;
  state.ballot = ballotAfter(higher, state.config.id);
  if (wasCompeting) {
    state.counters.preemptions += 1;
    growBackoff(state);
    out.events.push(
      `passive: preempted by ballot ${ballotToString(higher)} (back-off ${state.backoffMs} ms)`,
    );
  }
  // Hearing of a higher ballot means its leader was alive very recently.
  state.watch = { leaderId: higher.leaderId, ballot: higher, lastHeardAt: now };
  scheduleScout(state);
  out.notes.push(
    `preempted by ${ballotToString(higher)}: passive, next ballot ${ballotToString(state.ballot)}` +
      ` no earlier than ${state.scoutDueAt}`,
  );
}
