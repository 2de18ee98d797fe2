import { StepCollector, type ReadProbe, type StepResult } from '@paxos/shared';
import type { AcceptorState } from './state';

/**
 * The highest slot this acceptor has accepted a pvalue for, or collected (0: none). It never
 * decreases: a pvalue is only replaced by a higher ballot's for the same slot, and only slots
 * below collectedBelow are dropped.
 */
export function acceptedThrough(state: AcceptorState): number {
  let highest = state.collectedBelow - 1;
  for (const slot of state.accepted.keys()) if (slot > highest) highest = slot;
  return highest;
}

/**
 * A read index request (docs/reads.md; PMMC's read-only commands). Every slot decided before the
 * probe was sent was accepted by a majority of its configuration's acceptors, so a majority's
 * replies bound it from above. Nothing changes here, nothing is persisted: the reply describes
 * state whose every change was committed by an earlier step, and it leaves only with this step's
 * commit. Answered for anyone who asks: it reveals slot numbers only.
 */
export function onReadProbe(state: AcceptorState, message: ReadProbe): StepResult<AcceptorState> {
  const out = new StepCollector(state);
  state.counters.readProbesAnswered += 1;
  out.send.push({
    to: message.from,
    message: {
      type: 'read-probe-reply',
      from: state.config.id,
      probeId: message.probeId,
      acceptedThrough: acceptedThrough(state),
    },
  });
  return out.result();
}
