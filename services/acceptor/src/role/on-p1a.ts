import {
  LIMITS,
  StepCollector,
  ballotGreater,
  ballotToString,
  bottomBallotOf,
  epochOf,
  type P1a,
  type StepResult,
} from '@paxos/shared';
import { promiseKey } from './durable-keys';
import { p1bPages } from './p1b-pages';
import { promiseOf, type AcceptorState } from './state';

/**
 * Phase 1a, in the configuration the ballot belongs to (its epoch). A higher ballot is adopted
 * and persisted in this same step, so the p1b that announces the promise can never be seen
 * before the promise is durable. Any other p1a (a duplicate or a stale leader) still gets a
 * reply: the current ballot tells a stale leader that it is preempted, and a duplicate's reply
 * is harmless. The reply is paged (p1b-pages.ts) so that no message outgrows the data API's
 * body limit, and holds only the pvalues accepted in that configuration: its slots are its own.
 */
export function onP1a(state: AcceptorState, message: P1a): StepResult<AcceptorState> {
  const out = new StepCollector(state);
  const epoch = epochOf(message.ballot);
  if (epoch < state.epochsBelow) {
    state.counters.retiredEpochIgnored += 1;
    out.notes.push(`p1a ${ballotToString(message.ballot)}: epoch ${epoch} is retired here`);
    // No promise, only the horizon: the leader learns its configuration's slots are collected.
    out.send.push({
      to: message.from,
      message: {
        type: 'p1b',
        from: state.config.id,
        ballot: bottomBallotOf(epoch),
        accepted: [],
        collectedBelow: state.collectedBelow,
        coversBefore: null,
      },
    });
    return out.result();
  }
  const promise = promiseOf(state, epoch);
  if (ballotGreater(message.ballot, promise)) {
    if (!state.promises.has(epoch) && state.promises.size >= LIMITS.acceptorEpochsMax) {
      state.counters.retiredEpochIgnored += 1;
      out.notes.push(
        `p1a ${ballotToString(message.ballot)}: already serving ${state.promises.size} epochs`,
      );
      return out.result();
    }
    state.promises.set(epoch, message.ballot);
    out.persist.push({ op: 'put', key: promiseKey(epoch), slot: null, value: message.ballot });
    state.counters.promises += 1;
  } else {
    state.counters.promisesRefused += 1;
    out.notes.push(
      `p1a ${ballotToString(message.ballot)} from ${message.from} not above promise ` +
        `${ballotToString(promise)}: re-announcing the promise`,
    );
  }
  // Only what is above the horizon: below it every slot is decided and applied everywhere,
  // and the leader learns from collectedBelow never to run phase 2 there. Every page goes out
  // in this step, after the promise it announces is persisted. A refused p1a gets the whole
  // reply too, never a short one: the reply carries OUR ballot, and its sender may by now be
  // scouting at exactly that ballot (this p1a being an old one of its own, delayed), where an
  // empty page would claim slots it knows nothing of.
  const accepted = [...state.accepted.values()]
    .filter((p) => epochOf(p.ballot) === epoch)
    .sort((a, b) => a.slot - b.slot);
  const pages = p1bPages(state.config.id, promiseOf(state, epoch), state.collectedBelow, accepted);
  for (const page of pages) out.send.push({ to: message.from, message: page });
  if (pages.length > 1) state.counters.p1bPagesExtra += pages.length - 1;
  return out.result();
}
