import { StepCollector, type Progress, type StepResult } from '@paxos/shared';
import { advanceHorizon, horizonFromReports } from './collect';
import { behindTo, decisionTo } from './outbox';
import type { LeaderState } from './state';

/** Bounds the burst one progress report can trigger; the replica asks again if still behind. */
const MAX_DECISIONS_PER_PROGRESS = 256;

/**
 * A replica reports the first slot it has not applied. A blocked replica gets the decisions it
 * is missing; a plain report (wantsDecisions false) does not, those are in flight already.
 * Either may raise the garbage-collection horizon. Reports are kept as a maximum: slotOut never
 * decreases (R4), so an older report arriving late (reordered or duplicated) says nothing new.
 */
export function onProgress(state: LeaderState, message: Progress): StepResult<LeaderState> {
  const out = new StepCollector(state);
  if (message.slotOut < state.collectedBelow) {
    // What it misses is collected here: only another replica's snapshot can bring it up.
    out.send.push(behindTo(state, message.from));
    state.counters.behindSent += 1;
    out.notes.push(
      `progress from ${message.from} at ${message.slotOut}, below the horizon ` +
        `${state.collectedBelow}: told it is behind`,
    );
  }
  // A replica that joins this configuration later (a new member catching up) may fetch
  // decisions too; only members count for the horizon.
  if (message.wantsDecisions !== false) {
    const missing = [...state.decided.keys()].filter((slot) => slot >= message.slotOut);
    missing.sort((a, b) => a - b);
    for (const slot of missing.slice(0, MAX_DECISIONS_PER_PROGRESS)) {
      const value = state.decided.get(slot);
      if (value) out.send.push(decisionTo(state, message.from, slot, value));
    }
    state.counters.decisionsResent += Math.min(missing.length, MAX_DECISIONS_PER_PROGRESS);
  }

  if (!state.config.cluster.replicas.includes(message.from)) {
    out.notes.push(`progress from ${message.from}, not a replica of epoch ${state.epoch}`);
    return out.result();
  }
  // A blocked replica repeats its report on every retry: only a higher slotOut is news.
  const known = state.replicaSlotOut.get(message.from) ?? 1;
  if (message.slotOut <= known) return out.result();
  state.replicaSlotOut.set(message.from, message.slotOut);
  advanceHorizon(state, horizonFromReports(state), 'a majority of replicas applied below it', out);
  return out.result();
}
