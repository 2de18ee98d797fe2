import { StepCollector, type Propose, type StepResult } from '@paxos/shared';
import { startCommander } from './commander';
import { behindTo, decisionTo } from './outbox';
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
  if (slot < state.collectedBelow) {
    // Every replica applied this slot (a delayed or duplicated propose): it needs nothing, and
    // phase 2 there is not allowed (some acceptors no longer hold its pvalues).
    state.counters.staleIgnored += 1;
    out.notes.push(
      `propose slot ${slot} from ${message.from} is below the horizon ${state.collectedBelow}`,
    );
    // A replica still proposing there is below the horizon (or a stale duplicate): tell it.
    out.send.push(behindTo(state, message.from));
    state.counters.behindSent += 1;
    return out.result();
  }
  if (slot < state.startSlot || (state.endSlot !== null && slot >= state.endSlot)) {
    // Another configuration's slot: running it here would make two instances choose it.
    state.counters.unexpectedIgnored += 1;
    out.notes.push(`propose slot ${slot} from ${message.from} is outside epoch ${state.epoch}`);
    return out.result();
  }
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
