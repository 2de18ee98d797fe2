import { StepCollector, type Progress, type Propose, type StepResult } from '@paxos/shared';
import { startCommander } from './commander';
import { decisionTo } from './outbox';
import type { LeaderState } from './state';

/**
 * A replica asks for `slot`. A slot we know is decided is answered with its decision (the
 * replica re-proposes because it missed it). Otherwise the first proposal per slot is kept
 * (PMMC), and an active leader starts its commander right away.
 */
export function onPropose(
  state: LeaderState,
  message: Propose,
  now: number,
): StepResult<LeaderState> {
  const out = new StepCollector(state);
  const { slot, value } = message;
  const decided = state.decided.get(slot);
  if (decided) {
    out.send.push(decisionTo(state, message.from, slot, decided));
    state.counters.decisionsResent += 1;
    out.notes.push(`slot ${slot} is decided: re-sent its decision to ${message.from}`);
    return out.result();
  }
  if (state.proposals.has(slot)) {
    state.counters.duplicatesIgnored += 1;
    out.notes.push(
      `slot ${slot} already has a proposal; ${message.from} proposes ${value.batchId}`,
    );
    return out.result();
  }
  state.proposals.set(slot, value);
  if (state.active) startCommander(state, slot, value, now, out);
  return out.result();
}

/** Bounds the burst one progress report can trigger; the replica asks again if still behind. */
const MAX_DECISIONS_PER_PROGRESS = 256;

/** A replica reports the first slot it has not applied: send the decisions it is missing. */
export function onProgress(state: LeaderState, message: Progress): StepResult<LeaderState> {
  const out = new StepCollector(state);
  const missing = [...state.decided.keys()].filter((slot) => slot >= message.slotOut);
  missing.sort((a, b) => a - b);
  for (const slot of missing.slice(0, MAX_DECISIONS_PER_PROGRESS)) {
    const value = state.decided.get(slot);
    if (value) out.send.push(decisionTo(state, message.from, slot, value));
  }
  state.counters.decisionsResent += Math.min(missing.length, MAX_DECISIONS_PER_PROGRESS);
  return out.result();
}
