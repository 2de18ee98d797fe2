import {
  BallotSchema,
  CorruptStateError,
  PValueSchema,
  SlotSchema,
  ballotGreater,
  ballotToString,
  parseDurableValue,
  type DurableState,
  type StepResult,
} from '@paxos/shared';
import { BALLOT_KEY, COLLECTED_BELOW_KEY, acceptedKey, isAcceptedKey } from './durable-keys';
import { newAcceptorState, type AcceptorConfig, type AcceptorState } from './state';

/**
 * Rebuilds an acceptor from exactly what it persisted. Every row is parsed, not trusted: a row
 * that does not read back as what we write (a string where the round belongs, a pvalue under
 * another slot's key) means the acceptor cannot know what it promised or accepted, and running
 * on a guess could break a promise. It throws a CorruptStateError naming the row and field, and
 * the service exits rather than answering.
 * The horizon survives a restart: forgetting it would make the p1b claim it still knows the
 * collected slots, and a leader would then run phase 2 there with no pvalues to guide it.
 */
export function recoverAcceptor(
  config: AcceptorConfig,
  durable: DurableState,
): StepResult<AcceptorState> {
  const state = newAcceptorState(config);
  const ballotEntry = durable.get(BALLOT_KEY);
  if (ballotEntry) state.ballot = parseDurableValue(BALLOT_KEY, ballotEntry.value, BallotSchema);
  const collectedEntry = durable.get(COLLECTED_BELOW_KEY);
  if (collectedEntry) {
    state.collectedBelow = parseDurableValue(COLLECTED_BELOW_KEY, collectedEntry.value, SlotSchema);
  }
  let stale = 0;
  for (const [key, entry] of durable) {
    if (!isAcceptedKey(key)) continue;
    const pvalue = parseDurableValue(key, entry.value, PValueSchema);
    if (key !== acceptedKey(pvalue.slot) || entry.slot !== pvalue.slot) {
      throw new CorruptStateError(
        key,
        `slot: holds slot ${pvalue.slot} but is tagged slot ${String(entry.slot)}`,
      );
    }
    if (ballotGreater(pvalue.ballot, state.ballot)) {
      // Accepted only at the promise, and the promise only grows (A2): the rows disagree.
      throw new CorruptStateError(
        key,
        `ballot: accepted at ${ballotToString(pvalue.ballot)}, above the promise ` +
          `${ballotToString(state.ballot)}`,
      );
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
