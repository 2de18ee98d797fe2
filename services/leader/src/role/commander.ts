import {
  StepCollector,
  ballotEquals,
  ballotGreater,
  ballotToString,
  batchEquals,
  type Batch,
  type P2b,
  type Slot,
  type StepResult,
} from '@paxos/shared';
import { learnCollectedBelow } from './collect';
import { decisionTo, p1aTo, p2aBodyBytes, p2aTo } from './outbox';
import { preempted } from './preempted';
import {
  freshestMajority,
  heardFromMajority,
  noteAcceptorHeard,
  type Commander,
  type LeaderState,
} from './state';

/**
 * Phase 2 for `slot` under the current ballot. The commander waits for every acceptor, but
 * with `spareAfterMs` set (thrifty) it sends its p2a to a majority first, the acceptors heard
 * from most recently, and to the rest only if no decision came in time (spareDelayMs; then
 * to whoever is still silent, backing off: retransmission.ts). Safety does not depend on who
 * receives a p2a, only on counting a majority of distinct acceptors; a majority that answers
 * saves the other acceptors a claim, a step and a commit per slot.
 */
export function startCommander(
  state: LeaderState,
  slot: Slot,
  value: Batch,
  now: number,
  out: StepCollector<LeaderState>,
): void {
  if (!state.active) throw new Error(`commander for slot ${slot} started while passive`);
  if (slot < state.collectedBelow) {
    // Below the horizon some acceptors dropped their pvalues, so phase 1 cannot guard it.
    throw new Error(`commander for slot ${slot} below the horizon ${state.collectedBelow}`);
  }
  if (state.commanders.has(slot)) {
    // C1: one commander, hence one value, per (ballot, slot).
    throw new Error(`second commander for slot ${slot} at ${ballotToString(state.ballot)}`);
  }
  const { acceptors } = state.config.cluster;
  const thrifty = (state.config.spareAfterMs ?? 0) > 0;
  const firstTo = thrifty ? freshestMajority(state) : acceptors;
  const commander: Commander = {
    ballot: state.ballot,
    slot,
    value,
    waitingFor: new Set(acceptors),
    spares: acceptors.filter((a) => !firstTo.includes(a)),
    retransmitAt: now + (thrifty ? spareDelayMs(state) : state.config.retransmitMs),
    retransmits: 0,
    p2aBodyBytes: p2aBodyBytes(state, { ballot: state.ballot, slot, value }),
    startedAt: now,
  };
  state.commanders.set(slot, commander);
  for (const acceptor of firstTo) out.send.push(p2aTo(state, acceptor, commander));
  state.counters.commandersStarted += 1;
}

/** Weight of the newest phase-2 duration in the moving average. */
const PHASE2_AVERAGE_WEIGHT = 0.2;
/** The spare acceptors are never asked sooner than this after the majority. */
const SPARE_MIN_DELAY_MS = 5;

/**
 * How long a thrifty commander waits before it asks the spare acceptors too: twice the usual
 * phase-2 time, so a majority member that stalls (a pause, a crash) costs one round at most
 * instead of the whole wait, capped by spareAfterMs (also the wait before anything is known).
 */
function spareDelayMs(state: LeaderState): number {
  const cap = state.config.spareAfterMs ?? 0;
  if (state.phase2Ms <= 0) return cap;
  return Math.min(cap, Math.max(SPARE_MIN_DELAY_MS, Math.ceil(2 * state.phase2Ms)));
}

function notePhase2Duration(state: LeaderState, ms: number): void {
  state.phase2Ms =
    state.phase2Ms <= 0 ? ms : state.phase2Ms + PHASE2_AVERAGE_WEIGHT * (ms - state.phase2Ms);
}

function decide(
  state: LeaderState,
  slot: Slot,
  value: Batch,
  out: StepCollector<LeaderState>,
): void {
  const known = state.decided.get(slot);
  if (known && !batchEquals(known, value)) {
    throw new Error(`slot ${slot} decided twice: ${known.batchId} then ${value.batchId}`);
  }
  state.decided.set(slot, value);
  state.commanders.delete(slot);
  state.counters.decisions += 1;
  // Learners heard it from the acceptors already (see replicasLearnFromAcceptors).
  if (state.config.replicasLearnFromAcceptors) return;
  for (const replica of state.config.cluster.replicas) {
    out.send.push(decisionTo(state, replica, slot, value));
  }
}

/**
 * Phase 2b. Only a p2b carrying the commander's ballot from an acceptor it still waits for
 * counts (pitfall 2: a duplicate is neither counted twice nor taken for preemption).
 */
export function onP2b(state: LeaderState, message: P2b, now: number): StepResult<LeaderState> {
  const out = new StepCollector(state);
  noteAcceptorHeard(state, message.from, now);
  if (message.collectedBelow !== undefined) {
    learnCollectedBelow(state, message.from, message.collectedBelow, out);
  }
  if (ballotGreater(message.ballot, state.ballot)) {
    preempted(state, message.ballot, now, out);
    return out.result();
  }
  if (message.collectedBelow !== undefined) {
    // The acceptor refused: the slot is collected there. It is decided and applied by every
    // replica, and the horizon just learned has dropped its commander.
    state.counters.staleIgnored += 1;
    out.notes.push(
      `p2b slot ${message.slot} from ${message.from}: collected there (below ` +
        `${message.collectedBelow}), not an acceptance`,
    );
    return out.result();
  }
  const commander = state.commanders.get(message.slot);
  if (!commander) {
    state.counters.staleIgnored += 1;
    out.notes.push(`p2b slot ${message.slot} from ${message.from}: no commander (decided or old)`);
    return out.result();
  }
  if (!ballotEquals(message.ballot, commander.ballot)) {
    // Lower ballot: the acceptor never saw our p1a (a majority adopted us without it), and it
    // refuses p2a until it promises. Let it promise, then offer the value again.
    state.counters.staleIgnored += 1;
    out.notes.push(
      `p2b slot ${message.slot} from ${message.from} at ${ballotToString(message.ballot)}: ` +
        `it has not promised ${ballotToString(commander.ballot)}, sending p1a then p2a`,
    );
    if (commander.waitingFor.has(message.from)) {
      out.send.push(p1aTo(state, message.from, commander.ballot));
      out.send.push(p2aTo(state, message.from, commander));
    }
    return out.result();
  }
  if (!state.config.cluster.acceptors.includes(message.from)) {
    state.counters.unexpectedIgnored += 1;
    out.notes.push(`p2b from ${message.from}, which is not an acceptor`);
    return out.result();
  }
  if (!commander.waitingFor.has(message.from)) {
    state.counters.duplicatesIgnored += 1;
    out.notes.push(`duplicate p2b slot ${message.slot} from ${message.from}`);
    return out.result();
  }
  commander.waitingFor.delete(message.from);
  if (heardFromMajority(state, commander.waitingFor)) {
    notePhase2Duration(state, now - commander.startedAt);
    decide(state, commander.slot, commander.value, out);
  }
  return out.result();
}
