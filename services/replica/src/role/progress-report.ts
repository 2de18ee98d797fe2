import { latestEntry, type StepCollector } from '@paxos/shared';
import { DEFAULT_GC_REPORT_EVERY_SLOTS } from './config';
import { progressToLeaders } from './outbox';
import type { ReplicaState } from './state';

/**
 * Progress reports feed the leaders' garbage-collection horizon (the minimum slotOut over all
 * replicas) and, when the replica is blocked by a gap (`wantsDecisions`), fetch the decisions it
 * is missing.
 */
export function reportProgress(
  state: ReplicaState,
  out: StepCollector<ReplicaState>,
  wantsDecisions: boolean,
): void {
  out.send.push(...progressToLeaders(state, wantsDecisions));
  state.slotOutReported = state.slotOut;
  state.epochReported = latestEntry(state.configs).config.epoch;
  state.counters.progressReports += 1;
}

/**
 * Under load, one report per gcReportEverySlots applied slots: often enough that acceptors and
 * leaders stay small, rare enough to cost little next to the slots themselves. What is left
 * over is reported by the retry tick once the replica falls quiet (see retry-timer.ts).
 */
export function reportProgressIfDue(state: ReplicaState, out: StepCollector<ReplicaState>): void {
  const every = state.config.gcReportEverySlots ?? DEFAULT_GC_REPORT_EVERY_SLOTS;
  const newConfiguration = latestEntry(state.configs).config.epoch > state.epochReported;
  if (state.slotOut - state.slotOutReported >= every || newConfiguration) {
    reportProgress(state, out, false);
  }
}
