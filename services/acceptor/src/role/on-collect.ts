import { StepCollector, type Collect, type StepResult } from '@paxos/shared';
import { COLLECTED_BELOW_KEY, EPOCHS_BELOW_KEY } from './durable-keys';
import type { AcceptorState } from './state';

/**
 * Garbage collection (PMMC section 3, pitfall 6). The leader sends `collect` only for a horizon
 * every replica has applied, so no scout will ever need a pvalue below it: without this, every
 * p1b would carry the whole history. The horizon and the truncation are persisted together
 * (the horizon has no slot tag, so the truncate keeps it), and a restart keeps both.
 * Nothing is sent: a lost collect only delays the next one, which carries a higher horizon.
 */
export function onCollect(state: AcceptorState, message: Collect): StepResult<AcceptorState> {
  const out = new StepCollector(state);
  const { belowSlot } = message;
  retireEpochs(state, message.epochsBelow ?? 0, out);
  if (belowSlot <= state.collectedBelow) {
    // Delivered twice, overtaken by a later collect, or from a leader that knows less than us.
    state.counters.collectsIgnored += 1;
    out.notes.push(
      `collect below ${belowSlot} from ${message.from}: already collected below ` +
        `${state.collectedBelow}`,
    );
    return out.result();
  }
  state.collectedBelow = belowSlot;
  out.persist.push({ op: 'put', key: COLLECTED_BELOW_KEY, slot: null, value: belowSlot });
  out.persist.push({ op: 'truncate', belowSlot });
  let dropped = 0;
  for (const slot of state.accepted.keys()) {
    if (slot < belowSlot) {
      state.accepted.delete(slot);
      dropped += 1;
    }
  }
  state.counters.collections += 1;
  out.notes.push(`collected below ${belowSlot}: dropped ${dropped} pvalue(s)`);
  return out.result();
}

/**
 * Configurations below `epochsBelow` govern only collected slots: their promises go, and their
 * ballots are refused from now on, so the promises kept stay bounded (LIMITS.acceptorEpochsMax).
 */
function retireEpochs(
  state: AcceptorState,
  epochsBelow: number,
  out: StepCollector<AcceptorState>,
): void {
  if (epochsBelow <= state.epochsBelow) return;
  state.epochsBelow = epochsBelow;
  for (const epoch of [...state.promises.keys()]) {
    if (epoch < epochsBelow) state.promises.delete(epoch);
  }
  out.persist.push({ op: 'put', key: EPOCHS_BELOW_KEY, slot: null, value: epochsBelow });
  out.notes.push(`configurations below epoch ${epochsBelow} retired`);
}
