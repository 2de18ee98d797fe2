import { StepCollector, type StepResult } from '@paxos/shared';
import { restartSilenceAfterOwnStall } from './failure-detector';
import { sendHeartbeats } from './heartbeat';
import { retransmitCommanders } from './retransmission';
import { retransmitScout, startScout } from './scout';
import type { LeaderState } from './state';

const scoutIsDue = (state: LeaderState): boolean =>
  !state.active && state.scout === null && state.scoutDueAt !== null;

export function tickLeader(state: LeaderState, now: number): StepResult<LeaderState> {
  const out = new StepCollector(state);
  const ownStall = scoutIsDue(state) && restartSilenceAfterOwnStall(state, now);
  if (ownStall)
    out.notes.push(`no scout yet: this leader itself was stalled; silence counted from ${now}`);
  if (scoutIsDue(state) && now >= (state.scoutDueAt ?? Infinity)) startScout(state, now, out);
  retransmitScout(state, now, out);
  retransmitCommanders(state, now, out);
  if (state.active && state.heartbeatDueAt !== null && now >= state.heartbeatDueAt) {
    sendHeartbeats(state, now, out);
  }
  return out.result();
}

/**
 * The earliest of the scout timer, retransmissions and the next heartbeat. A commander whose
 * round the last tick's budget put off is still due: the next step ticks again.
 */
export function nextLeaderDeadline(state: LeaderState): number | null {
  const deadlines: number[] = [];
  if (scoutIsDue(state) && state.scoutDueAt !== null) deadlines.push(state.scoutDueAt);
  if (state.scout) deadlines.push(state.scout.retransmitAt);
  for (const commander of state.commanders.values()) deadlines.push(commander.retransmitAt);
  if (state.active && state.heartbeatDueAt !== null) deadlines.push(state.heartbeatDueAt);
  return deadlines.length > 0 ? Math.min(...deadlines) : null;
}
