import { commandKey } from '@paxos/shared';
import type { CachedResponse, ReplicaState } from './state';

/**
 * The response cache answers a client that retries a command it already ran (PMMC pitfall 5),
 * but it must not grow without bound (pitfall 6): it keeps the last `responsesPerClient`
 * answers of each client and at most `responseCacheMax` in all, evicting oldest first.
 * A client retries only its latest commands, so an evicted entry is never asked for by a
 * well-behaved client. Eviction depends only on the order commands were performed, so every
 * replica (and a recovering one) evicts the same entries.
 */
export const DEFAULT_RESPONSES_PER_CLIENT = 8;
export const DEFAULT_RESPONSE_CACHE_MAX = 4096;

export function rememberResponse(state: ReplicaState, cached: CachedResponse): void {
  const key = commandKey(cached);
  state.responses.set(key, cached);
  const perClient = state.config.responsesPerClient ?? DEFAULT_RESPONSES_PER_CLIENT;
  let keys = state.responseKeysByClient.get(cached.clientId);
  if (!keys) {
    keys = [];
    state.responseKeysByClient.set(cached.clientId, keys);
  }
  keys.push(key);
  while (keys.length > perClient) state.responses.delete(keys.shift()!);
  const max = state.config.responseCacheMax ?? DEFAULT_RESPONSE_CACHE_MAX;
  // Map iteration follows insertion order: the first entries are the oldest.
  for (const [oldest, entry] of state.responses) {
    if (state.responses.size <= max) break;
    state.responses.delete(oldest);
    const list = state.responseKeysByClient.get(entry.clientId);
    if (list) {
      const at = list.indexOf(oldest);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) state.responseKeysByClient.delete(entry.clientId);
    }
  }
}
