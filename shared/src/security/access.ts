import { LIMITS } from '../limits';
import { hashClientKey, type ClientKey } from './client-keys';

/**
 * What a request needs from its key: write access or not, and which keys of the store it
 * touches, named one by one (get, put, delete, cas) or by a prefix (list, watch). A range
 * list is the prefix '' (it may reach any key), so only an unlimited key may run one.
 */
export interface AccessNeed {
  write: boolean;
  keys: readonly string[] | { prefix: string };
}

/** An op as far as access goes; the list op's fields are optional, as in its schema. */
export interface OpAccessShape {
  kind: string;
  key?: string;
  prefix?: string;
}

const READ_KINDS: ReadonlySet<string> = new Set(['get', 'list']);

/**
 * The need of a key-value op. An unknown kind counts as a write: a new op kind stays closed to
 * read-only keys until it is listed here.
 */
export function accessNeedOf(op: OpAccessShape): AccessNeed {
  const write = !READ_KINDS.has(op.kind);
  if (op.kind === 'list') return { write, keys: { prefix: op.prefix ?? '' } };
  return { write, keys: op.key === undefined ? { prefix: '' } : [op.key] };
}

/** Registering a session touches no key: any valid key may do it. */
export const REGISTER_NEED: AccessNeed = Object.freeze({ write: false, keys: [] });

export type AccessRefusal =
  | { status: 401; code: 'unauthorized'; error: string }
  | { status: 403; code: 'forbidden'; error: string };

/**
 * The keys a service accepts, by hash. One sha256 per request and a Map lookup: the request
 * path stays cheap, and comparing hashes rather than texts gives a caller who guesses nothing
 * to learn from timing (the hash of a guess shares no structure with the key's).
 */
export class KeyRing {
  private readonly byHash: ReadonlyMap<string, ClientKey>;

  constructor(keys: readonly ClientKey[]) {
    if (keys.length === 0 || keys.length > LIMITS.clientKeysMax) {
      throw new Error(`a key ring holds 1 to ${LIMITS.clientKeysMax} keys, not ${keys.length}`);
    }
    this.byHash = new Map(keys.map((k) => [k.sha256, k]));
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The key an `Authorization: Bearer <key>` header names, or a 401 saying what is wrong. */
  authenticate(authorization: string | undefined): ClientKey | AccessRefusal {
    const key = bearerKey(authorization);
    if (key === null) {
      return unauthorized('send the client key as Authorization: Bearer <key>');
    }
    const found = this.byHash.get(hashClientKey(key));
    return found ?? unauthorized('the client key is not valid here');
  }
}

function unauthorized(error: string): AccessRefusal {
  return { status: 401, code: 'unauthorized', error };
}

/** The key of a Bearer header; null when there is none or it is not one token. */
export function bearerKey(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  const key = match?.[1];
  return key !== undefined && key.length <= LIMITS.clientKeyCharsMax ? key : null;
}

/** Whether `key` may do what `need` says: null, or a 403 naming the right it lacks. */
export function authorizeNeed(key: ClientKey, need: AccessNeed): AccessRefusal | null {
  if (need.write && key.access !== 'write') {
    return {
      status: 403,
      code: 'forbidden',
      error: `key ${key.name} is read-only: it may get, list and watch, not write`,
    };
  }
  const prefix = key.prefix;
  if (prefix === null) return null;
  const inside = Array.isArray(need.keys)
    ? (need.keys as readonly string[]).every((k) => k.startsWith(prefix))
    : (need.keys as { prefix: string }).prefix.startsWith(prefix);
  if (inside) return null;
  return {
    status: 403,
    code: 'forbidden',
    error: `key ${key.name} may only touch keys that start with ${JSON.stringify(prefix)}`,
  };
}

/**
 * The whole decision for one request: with no ring (no CLIENT_KEYS) everything is allowed;
 * else the header must name a known key with the rights `need` asks for.
 */
export function authorizeRequest(
  ring: KeyRing | null,
  authorization: string | undefined,
  need: AccessNeed,
): AccessRefusal | null {
  if (ring === null) return null;
  const key = ring.authenticate(authorization);
  return 'status' in key ? key : authorizeNeed(key, need);
}
