import {
  StepCollector,
  ballotGreater,
  ballotToString,
  type Batch,
  type Heartbeat,
  type Slot,
  type StepResult,
} from '@paxos/shared';
import { scheduleScout } from './failure-detector';
import { decisionTo, heartbeatsToOtherLeaders } from './outbox';
import { preempted } from './preempted';
import type { LeaderState } from './state';

/**
 * An idle log re-sends its newest decision about this often: enough for a replica that lost
 * messages to find its gap, rare enough that an idle fleet stays idle whatever the heartbeat.
 */
export const BEACON_INTERVAL_MS = 10_000;

/** The beats between two re-sends of an unchanged newest decision (at least 1). */
export const beaconEveryBeats = (heartbeatMs: number): number =>
  Math.max(1, Math.round(BEACON_INTERVAL_MS / heartbeatMs));

/**
 * An active leader tells the others it is alive, so they hold back their scouts. With the
 * beat it re-sends its newest decision to every replica when it is new since the last beacon
 * (or about every BEACON_INTERVAL_MS): a commander announces a decision once (and not at all
 * when replicas learn from the acceptors), so a replica that was down or lost the last
 * decisions of an idle log would never learn it is behind. The newest decision shows it the
 * gap, and its progress report fetches the rest.
 */
export function sendHeartbeats(
  state: LeaderState,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  const heartbeats = heartbeatsToOtherLeaders(state);
  out.send.push(...heartbeats);
  state.counters.heartbeatsSent += heartbeats.length;
  const newest = newestDecision(state);
  state.beatsSinceBeacon += 1;
  const due =
    newest !== null &&
    (newest.slot !== state.beaconSlot ||
      state.beatsSinceBeacon >= beaconEveryBeats(state.config.heartbeatMs));
  if (newest !== null && due) {
    for (const replica of state.config.cluster.replicas) {
      out.send.push(decisionTo(state, replica, newest.slot, newest.value));
    }
    state.beaconSlot = newest.slot;
    state.beatsSinceBeacon = 0;
  }
  // Always re-armed, even without other leaders: the replicas still need the beat.
  state.heartbeatDueAt = now + state.config.heartbeatMs;
}

function newestDecision(state: LeaderState): { slot: Slot; value: Batch } | null {
  let newest: { slot: Slot; value: Batch } | null = null;
  for (const [slot, value] of state.decided) {
    if (newest === null || slot > newest.slot) newest = { slot, value };
  }
  return newest;
}

/**
 * Another leader's heartbeat. A higher ballot than ours makes us step down, as a preemption
 * would. An active leader at or above the highest ballot we know is a sign of life that pushes
 * our next scout back. A lower one is left alone: the acceptors will preempt it.
 */
export function onHeartbeat(
  state: LeaderState,
  message: Heartbeat,
  now: number,
): StepResult<LeaderState> {
  const out = new StepCollector(state);
  if (message.from === state.config.id || !state.config.cluster.leaders.includes(message.from)) {
    state.counters.unexpectedIgnored += 1;
    out.notes.push(`heartbeat from ${message.from}, which is not another leader`);
    return out.result();
  }
  if (!message.active) {
    state.counters.staleIgnored += 1;
    out.notes.push(`heartbeat from passive ${message.from}: not a leader to watch`);
    return out.result();
  }
  if (ballotGreater(message.ballot, state.ballot)) {
    preempted(state, message.ballot, now, out);
    return out.result();
  }
  if (state.active || ballotGreater(state.watch.ballot, message.ballot)) {
    state.counters.staleIgnored += 1;
    out.notes.push(
      `heartbeat from ${message.from} at ${ballotToString(message.ballot)} is below ` +
        `${ballotToString(state.active ? state.ballot : state.watch.ballot)}`,
    );
    return out.result();
  }
  state.watch = { leaderId: message.from, ballot: message.ballot, lastHeardAt: now };
  // A scout already under way finishes: its p1a is out, stopping now would only waste it.
  if (state.scout === null) scheduleScout(state);
  return out.result();
}
