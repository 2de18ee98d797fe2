import { ballotToString, describeConfiguration } from '@paxos/shared';
import { newestLeader, type LeaderProcessState } from './leader-process';
import { describeCovered } from './p1b-coverage';
import type { LeaderState } from './state';

/** A JSON summary for GET /state. */
export function describeLeader(state: LeaderState): object {
  let highestDecidedSlot = 0;
  for (const slot of state.decided.keys()) highestDecidedSlot = Math.max(highestDecidedSlot, slot);
  return {
    role: 'leader',
    id: state.config.id,
    ballot: ballotToString(state.ballot),
    active: state.active,
    scout: state.scout && {
      ballot: ballotToString(state.scout.ballot),
      waitingFor: [...state.scout.waitingFor],
      pagesHeld: Object.fromEntries(
        [...state.scout.coverage].map(([acceptor, c]) => [acceptor, describeCovered(c.covered)]),
      ),
    },
    commanders: state.commanders.size,
    proposals: state.proposals.size,
    decided: state.decided.size,
    highestDecidedSlot,
    collectedBelow: state.collectedBelow,
    replicaSlotOut: Object.fromEntries(state.replicaSlotOut),
    watch: {
      leaderId: state.watch.leaderId,
      ballot: ballotToString(state.watch.ballot),
      lastHeardAt: state.watch.lastHeardAt,
    },
    backoffMs: state.backoffMs,
    scoutDueAt: state.scoutDueAt,
    heartbeatDueAt: state.heartbeatDueAt,
    counters: { ...state.counters },
  };
}

/**
 * GET /state of the leader process: the leader of the newest configuration it serves at the top
 * (what dashboards and tools read: ballot, active, ...), every served configuration's leader
 * under `configurations`, and the schedule it knows.
 */
export function describeLeaderProcess(state: LeaderProcessState): object {
  const newest = newestLeader(state);
  return {
    ...(newest ? describeLeader(newest) : { role: 'leader', id: state.config.id, active: false }),
    epoch: newest?.epoch ?? null,
    retiredBelow: state.retiredBelow,
    schedule: state.schedule.map((e) => ({
      startSlot: e.startSlot,
      config: describeConfiguration(e.config),
    })),
    configurations: Object.fromEntries(
      [...state.leaders].map(([epoch, leader]) => [
        epoch,
        {
          ballot: ballotToString(leader.ballot),
          active: leader.active,
          startSlot: leader.startSlot,
          endSlot: leader.endSlot,
          collectedBelow: leader.collectedBelow,
        },
      ]),
    ),
    processCounters: { ...state.counters },
  };
}
