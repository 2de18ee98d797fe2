import { createHash, randomBytes } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';

/**
 * The client key of this run. The fleets run in production mode, so the replicas accept only
 * keys listed (by hash) in CLIENT_KEYS: the test makes a fresh read-write key per run, as an
 * operator would (`pxk_` and 32 random bytes), and sends it on every client command.
 */
export const CLIENT_KEY = `pxk_${randomBytes(32).toString('base64url')}`;

/** The CLIENT_KEYS entry that admits CLIENT_KEY for reads and writes on every key. */
export const CLIENT_KEYS_ENTRY = `ctest:write:${createHash('sha256').update(CLIENT_KEY, 'utf8').digest('hex')}`;

type Headers = Dispatcher.DispatchOptions['headers'];

/** The request's headers with the bearer key added (undici takes an object or a flat list). */
function withKey(headers: Headers): Headers {
  const authorization = `Bearer ${CLIENT_KEY}`;
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
