import {
  BallotSchema,
  PValueSchema,
  SlotSchema,
  type DurableState,
  type StepResult,
} from '@paxos/shared';
import { BALLOT_KEY, COLLECTED_BELOW_KEY, isAcceptedKey } from './durable-keys';
import { newAcceptorState, type AcceptorConfig, type AcceptorState } from './state';

/**
 * Rebuilds an acceptor from exactly what it persisted. Entries are parsed, not trusted: a
 * durable map that does not match our own layout means the process is not who it claims to be.
 * The horizon survives a restart: forgetting it would make the p1b claim it still knows the
 * collected slots, and a leader would then run phase 2 there with no pvalues to guide it.
 */
export function recoverAcceptor(
  config: AcceptorConfig,
  durable: DurableState,
): StepResult<AcceptorState> {
  const state = newAcceptorState(config);
  const ballotEntry = durable.get(BALLOT_KEY);
  if (ballotEntry) state.ballot = BallotSchema.parse(ballotEntry.value);
  const collectedEntry = durable.get(COLLECTED_BELOW_KEY);
  if (collectedEntry) state.collectedBelow = SlotSchema.parse(collectedEntry.value);
  let stale = 0;
  for (const [key, entry] of durable) {
    if (!isAcceptedKey(key)) continue;
    const pvalue = PValueSchema.parse(entry.value);
    if (entry.slot !== pvalue.slot) {
      throw new Error(`durable ${key} is tagged slot ${entry.slot} but holds slot ${pvalue.slot}`);
    }
    // The truncate that went with the horizon removes these; a store that truncates lazily
    // may still hold some, and they are below the horizon all the same.
    if (pvalue.slot < state.collectedBelow) {
      stale += 1;
      continue;
    }
    state.accepted.set(pvalue.slot, pvalue);
  }
  const notes =
    stale > 0 ? [`ignored ${stale} durable pvalue(s) below ${state.collectedBelow}`] : [];
  return { state, persist: [], send: [], notes };
}
