import { createHash, randomBytes } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { KvClient } from '../../tools/src/workload/kv-client';
import { urls } from './settings';

/**
 * The client key the test's clients send. The fleets run in production mode, so the replicas
 * accept only keys listed (by hash) in CLIENT_KEYS. The first fleet's key is the PAXOS_KEY
 * that deploy/fill-secrets.sh wrote into its .env (useClientKey); for a fleet whose .env the
 * test writes itself, it is a fresh read-write key, as an operator would make one (`pxk_` and
 * 32 random bytes).
 */
let currentKey = `pxk_${randomBytes(32).toString('base64url')}`;

export const clientKey = (): string => currentKey;

export function useClientKey(key: string): void {
  if (key.length === 0) throw new Error('the client key is empty');
  currentKey = key;
}

/** The CLIENT_KEYS entry that admits the current key for reads and writes on every key. */
export const clientKeysEntry = (): string =>
  `ctest:write:${createHash('sha256').update(currentKey, 'utf8').digest('hex')}`;

type Headers = Dispatcher.DispatchOptions['headers'];

/** The request's headers with the bearer key added (undici takes an object or a flat list). */
function withKey(headers: Headers): Headers {
  const authorization = `Bearer ${currentKey}`;
  if (Array.isArray(headers)) return [...(headers as string[]), 'authorization', authorization];
  return { ...(headers as Record<string, string> | null | undefined), authorization };
}

/**
 * A dispatcher for the workload clients (tools/src/workload), which send no Authorization
 * header of their own: it adds the run's key to every request they make.
 */
class KeyedAgent extends Agent {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers) {
    return super.dispatch({ ...options, headers: withKey(options.headers) }, handler);
  }
}

export const keyedDispatcher: Dispatcher = new KeyedAgent({ connections: 64 });

/**
 * A client of the fleet's replicas (on their published ports) with the run's key, that gives a
 * command up to `commandDeadlineMs`, retrying it with the same request number meanwhile.
 */
export const replicaClient = (commandDeadlineMs: number): KvClient =>
  new KvClient({
    replicaUrls: Object.values(urls('replica')),
    commandDeadlineMs,
    attemptTimeoutMs: 12_000,
    clock: Date.now,
    dispatcher: keyedDispatcher,
  });
