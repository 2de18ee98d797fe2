import {
  StepCollector,
  ballotEquals,
  ballotGreater,
  ballotToString,
  batchEquals,
  type P1b,
  type PValue,
  type Slot,
  type StepResult,
} from '@paxos/shared';
import { adopted } from './adopted';
import { learnCollectedBelow } from './collect';
import { ballotKey } from './durable-keys';
import { p1aTo } from './outbox';
import { preempted } from './preempted';
import { retransmitDelayMs } from './retransmission';
import {
  addCovered,
  coveredByPage,
  describeCovered,
  isComplete,
  newCoverage,
  pageProblem,
  raiseCollectedBelow,
} from './p1b-coverage';
import { heardFromMajority, noteAcceptorHeard, type LeaderState, type Scout } from './state';

/**
 * Phase 1 with the current ballot. The ballot is persisted in the same step as the p1a that
 * uses it, so a restarted leader (which starts one round above it) never reuses a ballot.
 */
export function startScout(state: LeaderState, now: number, out: StepCollector<LeaderState>): void {
  if (state.active || state.scout !== null) {
    throw new Error(`scout started while ${state.active ? 'active' : 'already scouting'}`);
  }
  const scout: Scout = {
    ballot: state.ballot,
    waitingFor: new Set(state.config.cluster.acceptors),
    coverage: new Map(),
    pvalues: new Map<Slot, PValue>(),
    retransmitAt: now + state.config.retransmitMs,
    retransmits: 0,
  };
  state.scout = scout;
  state.scoutDueAt = null;
  out.persist.push({ op: 'put', key: ballotKey(state.epoch), slot: null, value: scout.ballot });
  for (const acceptor of scout.waitingFor) out.send.push(p1aTo(state, acceptor, scout.ballot));
  state.counters.scoutsStarted += 1;
  out.notes.push(`scouting with ${ballotToString(scout.ballot)}`);
  out.events.push(`scouting with ballot ${ballotToString(scout.ballot)}`);
}

/** pmax: keeps the highest-ballot pvalue per slot. */
function mergeAccepted(pvalues: Map<Slot, PValue>, pvalue: PValue): void {
  const known = pvalues.get(pvalue.slot);
  if (!known || ballotGreater(pvalue.ballot, known.ballot)) {
    pvalues.set(pvalue.slot, pvalue);
  } else if (ballotEquals(pvalue.ballot, known.ballot) && !batchEquals(pvalue.value, known.value)) {
    throw new Error(
      `invariant A4 broken: ${ballotToString(pvalue.ballot)} slot ${pvalue.slot} accepted as ` +
        `${known.value.batchId} and ${pvalue.value.batchId}`,
    );
  }
}

/**
 * Phase 1b, one page at a time (messages.ts: P1bSchema). A higher ballot preempts; a page of
 * another ballot answers an older p1a; an acceptor counts once, when the pages held from it
 * cover every slot from its horizon up (pitfall 2: a duplicate is not counted twice, nor taken
 * for preemption). Pvalues are merged (pmax) as pages arrive.
 *
 * The pages held from one acceptor may come from different replies (a retransmitted p1a, a
 * duplicated one) and their accepted sets may differ, yet merging them is safe: a page carries
 * the acceptor's ballot when it was sent, and every page of ballot b was sent after the promise
 * of b. From that promise on the acceptor accepts nothing below b (A2) and nothing at b before
 * this scout is adopted (only this leader proposes at b, and only once active), so each slot's
 * pvalue is the same in every page of ballot b that covers it. Only garbage collection changes
 * the set between two replies, and it only drops slots below a horizon, which need no pvalue.
 */
export function onP1b(state: LeaderState, message: P1b, now: number): StepResult<LeaderState> {
  const out = new StepCollector(state);
  noteAcceptorHeard(state, message.from, now);
  // Whatever this p1b's ballot, its horizon is a fact: learn it before any guard.
  learnCollectedBelow(state, message.from, message.collectedBelow, out);
  if (ballotGreater(message.ballot, state.ballot)) {
    preempted(state, message.ballot, now, out);
    return out.result();
  }
  const { scout } = state;
  if (!scout || !ballotEquals(message.ballot, scout.ballot)) {
    state.counters.staleIgnored += 1;
    out.notes.push(
      `p1b ${ballotToString(message.ballot)} from ${message.from}: no scout at that ballot`,
    );
    return out.result();
  }
  if (!state.config.cluster.acceptors.includes(message.from)) {
    state.counters.unexpectedIgnored += 1;
    out.notes.push(`p1b from ${message.from}, which is not an acceptor`);
    return out.result();
  }
  if (!scout.waitingFor.has(message.from)) {
    state.counters.duplicatesIgnored += 1;
    out.notes.push(`duplicate p1b from ${message.from}: already counted`);
    return out.result();
  }
  const covered = coveredByPage(message);
  const problem = pageProblem(message, covered);
  if (problem !== null) {
    state.counters.unexpectedIgnored += 1;
    out.notes.push(`p1b page from ${message.from} ignored: ${problem}`);
    return out.result();
  }

  for (const pvalue of message.accepted) mergeAccepted(scout.pvalues, pvalue);
  const coverage = scout.coverage.get(message.from) ?? newCoverage(message.collectedBelow);
  raiseCollectedBelow(coverage, message.collectedBelow);
  const forgotten = addCovered(coverage, covered);
  if (forgotten !== null) {
    state.counters.p1bIntervalsForgotten += 1;
    out.notes.push(
      `p1b pages from ${message.from} leave too many gaps: forgot ` +
        `${describeCovered([forgotten])}, retransmission asks again`,
    );
  }
  if (!isComplete(coverage)) {
    scout.coverage.set(message.from, coverage);
    out.notes.push(
      `p1b page from ${message.from}: holds ${describeCovered(coverage.covered)} of ` +
        `[${coverage.collectedBelow}, ∞)`,
    );
    return out.result();
  }
  scout.coverage.delete(message.from);
  scout.waitingFor.delete(message.from);
  if (heardFromMajority(state, scout.waitingFor)) adopted(state, scout, now, out);
  return out.result();
}

/**
 * A lost p1a or p1b page must not wedge phase 1: ask the acceptors not counted yet again,
 * backing off (retransmission.ts: each p1a can cost an acceptor its whole paged reply). The
 * pages already held stay, and the new reply's pages fill the gaps (see onP1b).
 */
export function retransmitScout(
  state: LeaderState,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  const { scout } = state;
  if (!scout || now < scout.retransmitAt) return;
  for (const acceptor of scout.waitingFor) out.send.push(p1aTo(state, acceptor, scout.ballot));
  state.counters.retransmits += scout.waitingFor.size;
  scout.retransmits += 1;
  scout.retransmitAt = now + retransmitDelayMs(state.config, scout.retransmits);
}
