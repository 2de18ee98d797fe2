import { z } from 'zod';
import {
  BallotSchema,
  CorruptStateError,
  PValueSchema,
  SlotSchema,
  ballotGreater,
  ballotToString,
  epochOf,
  parseDurableValue,
  type DurableState,
  type StepResult,
} from '@paxos/shared';
import {
  COLLECTED_BELOW_KEY,
  EPOCHS_BELOW_KEY,
  acceptedKey,
  isAcceptedKey,
  isPromiseKey,
  promiseKey,
} from './durable-keys';
import { newAcceptorState, promiseOf, type AcceptorConfig, type AcceptorState } from './state';

/**
 * Rebuilds an acceptor from exactly what it persisted. Every row is parsed, not trusted: a row
 * that does not read back as what we write (a string where the round belongs, a pvalue under
 * another slot's key) means the acceptor cannot know what it promised or accepted, and running
 * on a guess could break a promise. It throws a CorruptStateError naming the row and field, and
 * the service exits rather than answering.
 * The horizon survives a restart: forgetting it would make the p1b claim it still knows the
 * collected slots, and a leader would then run phase 2 there with no pvalues to guide it.
 */
const EpochSchema = z.number().int().min(0);

export function recoverAcceptor(
  config: AcceptorConfig,
  durable: DurableState,
): StepResult<AcceptorState> {
  const state = newAcceptorState(config);
  const epochsEntry = durable.get(EPOCHS_BELOW_KEY);
  if (epochsEntry) {
    state.epochsBelow = parseDurableValue(EPOCHS_BELOW_KEY, epochsEntry.value, EpochSchema);
  }
  for (const [key, entry] of durable) {
    if (!isPromiseKey(key)) continue;
    const promise = parseDurableValue(key, entry.value, BallotSchema);
    if (key !== promiseKey(epochOf(promise))) {
      throw new CorruptStateError(key, `epoch: holds a promise of epoch ${epochOf(promise)}`);
    }
    if (epochOf(promise) >= state.epochsBelow) state.promises.set(epochOf(promise), promise);
  }
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
    const promise = promiseOf(state, epochOf(pvalue.ballot));
    if (ballotGreater(pvalue.ballot, promise) && epochOf(pvalue.ballot) >= state.epochsBelow) {
      // Accepted only at the promise, and the promise only grows (A2): the rows disagree.
      throw new CorruptStateError(
        key,
        `ballot: accepted at ${ballotToString(pvalue.ballot)}, above the promise ` +
          `${ballotToString(promise)}`,
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
