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
import { BALLOT_KEY } from './durable-keys';
import { p1aTo } from './outbox';
import { preempted } from './preempted';
import { heardFromMajority, noteAcceptorHeard, type LeaderState } from './state';

/**
 * Phase 1 with the current ballot. The ballot is persisted in the same step as the p1a that
 * uses it, so a restarted leader (which starts one round above it) never reuses a ballot.
 */
export function startScout(state: LeaderState, now: number, out: StepCollector<LeaderState>): void {
  if (state.active || state.scout !== null) {
    throw new Error(`scout started while ${state.active ? 'active' : 'already scouting'}`);
  }
  const scout = {
    ballot: state.ballot,
    waitingFor: new Set(state.config.cluster.acceptors),
    pvalues: new Map<Slot, PValue>(),
    retransmitAt: now + state.config.retransmitMs,
  };
  state.scout = scout;
  state.scoutDueAt = null;
  out.persist.push({ op: 'put', key: BALLOT_KEY, slot: null, value: scout.ballot });
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
 * Phase 1b. Counts p1bs for the scout's ballot from distinct acceptors (pitfall 2: a duplicate
 * is not counted twice); a higher ballot preempts; anything else answers an older p1a.
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
    out.notes.push(`duplicate p1b from ${message.from}`);
    return out.result();
  }
  scout.waitingFor.delete(message.from);
  for (const pvalue of message.accepted) mergeAccepted(scout.pvalues, pvalue);
  if (heardFromMajority(state, scout.waitingFor)) adopted(state, scout, now, out);
  return out.result();
}

/** A lost p1a or p1b must not wedge phase 1: ask the silent acceptors again. */
export function retransmitScout(
  state: LeaderState,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  const { scout } = state;
  if (!scout || now < scout.retransmitAt) return;
  for (const acceptor of scout.waitingFor) out.send.push(p1aTo(state, acceptor, scout.ballot));
  state.counters.retransmits += scout.waitingFor.size;
  scout.retransmitAt = now + state.config.retransmitMs;
}
