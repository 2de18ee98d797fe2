import { StepCollector, commandKey, type Request, type StepResult } from '@paxos/shared';
import { responseEnvelope } from './outbox';
import { proposePending } from './propose';
import { refreshRetryTimer } from './retry-timer';
import type { ReplicaState } from './state';

/**
 * Client commands. An answered command is answered again from the cache (the client retried
 * or lost the answer); one already pending or proposed here is a duplicate and is dropped;
 * the rest wait for a slot.
 */
export function onRequest(
  state: ReplicaState,
  message: Request,
  now: number,
): StepResult<ReplicaState> {
  const out = new StepCollector(state);
  let duplicates = 0;
  let fromCache = 0;
  for (const command of message.commands) {
    const key = commandKey(command);
    const cached = state.responses.get(key);
    if (cached) {
      out.send.push(responseEnvelope(state, cached));
      fromCache += 1;
    } else if (state.requests.has(key) || state.proposedSlotOf.has(key)) {
      duplicates += 1;
    } else {
      state.requests.set(key, command);
      state.counters.commandsReceived += 1;
    }
  }
  state.counters.answeredFromCache += fromCache;
  state.counters.duplicatesIgnored += duplicates;
  if (fromCache > 0)
    out.notes.push(`${fromCache} command(s) from ${message.from} answered from cache`);
  if (duplicates > 0)
    out.notes.push(`${duplicates} command(s) from ${message.from} already pending`);
  proposePending(state, out, now);
  refreshRetryTimer(state, now, false);
  return out.result();
}
