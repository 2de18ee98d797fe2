import { BallotSchema, PValueSchema, type DurableState, type StepResult } from '@paxos/shared';
import { BALLOT_KEY, isAcceptedKey } from './durable-keys';
import { newAcceptorState, type AcceptorConfig, type AcceptorState } from './state';

/**
 * Rebuilds an acceptor from exactly what it persisted. Entries are parsed, not trusted: a
 * durable map that does not match our own layout means the process is not who it claims to be.
 */
export function recoverAcceptor(
  config: AcceptorConfig,
  durable: DurableState,
): StepResult<AcceptorState> {
  const state = newAcceptorState(config);
  const ballotEntry = durable.get(BALLOT_KEY);
  if (ballotEntry) state.ballot = BallotSchema.parse(ballotEntry.value);
  for (const [key, entry] of durable) {
    if (!isAcceptedKey(key)) continue;
    const pvalue = PValueSchema.parse(entry.value);
    if (entry.slot !== pvalue.slot) {
      throw new Error(`durable ${key} is tagged slot ${entry.slot} but holds slot ${pvalue.slot}`);
    }
    state.accepted.set(pvalue.slot, pvalue);
  }
  return { state, persist: [], send: [], notes: [] };
}
