import type { StepCollector } from '@paxos/shared';
import type { ResolvedLeaderConfig } from './config';
import { p2aTo } from './outbox';
import type { Commander, LeaderState } from './state';

/**
 * How often and how much a leader re-sends. Delivery is at-least-once in the fleet, so a
 * retransmission mostly repeats a message that is still queued or being handled, and it costs
 * the same as the first send: a p2a carries its whole batch (up to 160 KiB), which the acceptor
 * writes down and answers again.
 *
 * Issue 17's fleet test showed what unbounded retransmission does. A leader took over about 66
 * slots of ~60 KB batches with retransmitMs 1000. Every round re-sent every p2a (66 x 60 KB x up
 * to 3 acceptors, about 12 MB), which the service shell splits into 13+ step commits of under
 * 1 MiB, taking longer than the round itself: every step it took was dominated by the next
 * round, the p2bs already waiting in its inbox were handled a few at a time, and nothing was
 * decided for 50 s. Two bounds, both in the pure role:
 *
 * - Exponential backoff per scout and per commander: the waits between rounds are
 *   retransmitMs, 2x, 4x, ... up to retransmitMsMax. A commander that is answered slowly is
 *   almost always answered late rather than lost (queued messages survive), and re-sending at
 *   full rate only lengthens the queues it waits on. It is not reset when one acceptor answers:
 *   that says nothing about the silent ones it re-sends to, and a commander lives only until
 *   its decision, so every new slot starts at retransmitMs again. A lost message is still
 *   re-sent, at the latest retransmitMsMax after the previous round.
 * - A byte budget per tick for p2a rounds (retransmitTickBytesMax, in step-commit body
 *   bytes): due commanders go lowest slot first (replicas apply in slot order, so the oldest
 *   slot is the one holding everything up), and those over the budget stay due for the next
 *   tick, which the shell runs with its next step, after the messages that came in meanwhile.
 *   The first due commander always goes, so every tick makes progress and a commander of any
 *   size is never starved.
 *
 * A p2a goes only to the acceptors that have not answered its commander (waitingFor), or, in a
 * thrifty commander's first round, to the spares never asked. The scout's p1a is tiny and needs
 * no budget, but it backs off too: each one makes a silent acceptor send every page of its
 * accepted pvalues again, which after a long stretch without garbage collection is megabytes.
 */

/** The wait after `rounds` retransmission rounds: retransmitMs, doubled per round, capped. */
export function retransmitDelayMs(config: ResolvedLeaderConfig, rounds: number): number {
  // 2^30 x retransmitMs is far past any cap, and keeps the product a finite number.
  return Math.min(config.retransmitMsMax, config.retransmitMs * 2 ** Math.min(rounds, 30));
}

/**
 * A thrifty commander's first timer brings in the spare acceptors. After that, a lost p2a or
 * p2b must not wedge the slot: ask the silent acceptors again, backing off, within the tick's
 * byte budget (see above).
 */
export function retransmitCommanders(
  state: LeaderState,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  const due = [...state.commanders.values()].filter((c) => now >= c.retransmitAt);
  due.sort((a, b) => a.slot - b.slot);
  const budgetBytes = state.config.retransmitTickBytesMax;
  let spentBytes = 0;
  for (const [index, commander] of due.entries()) {
    const to = commander.spares.length > 0 ? commander.spares : [...commander.waitingFor];
    const bytes = to.length * commander.p2aBodyBytes;
    if (spentBytes > 0 && spentBytes + bytes > budgetBytes) {
      const deferred = due.length - index;
      state.counters.retransmitsDeferred += deferred;
      out.notes.push(
        `retransmission budget spent (${spentBytes} of ${budgetBytes} bytes): ${deferred} ` +
          `commander(s) from slot ${commander.slot} wait for the next tick`,
      );
      return;
    }
    spentBytes += bytes;
    for (const acceptor of to) out.send.push(p2aTo(state, acceptor, commander));
    noteRound(state, commander, to.length, now);
  }
}

function noteRound(state: LeaderState, commander: Commander, sent: number, now: number): void {
  if (commander.spares.length > 0) {
    state.counters.sparesAsked += sent;
    commander.spares = [];
  } else {
    state.counters.retransmits += sent;
    commander.retransmits += 1;
  }
  commander.retransmitAt = now + retransmitDelayMs(state.config, commander.retransmits);
}
