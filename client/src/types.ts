/**
 * The client's own types of the replicas' key-value API (docs/limits-and-errors.md and the
 * served /openapi.json). Written here rather than imported, so the package depends on no
 * workspace package of the servers.
 */

export type Op =
  | { kind: 'get'; key: string }
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string }
  /** Writes `value` only if the current value equals `expected` (null: the key is absent). */
  | { kind: 'cas'; key: string; expected: string | null; value: string }
  | ListOp;

/** A prefix or a [start, end) range of keys, at most `limit` entries. */
export interface ListOp {
  kind: 'list';
  prefix?: string;
  start?: string;
  end?: string;
  limit?: number;
}

export interface Entry {
  key: string;
  value: string;
}

/** What a replica answers for a command (200). */
export interface CommandAnswer {
  sessionId: number;
  requestId: number;
  /**
   * The log slot the command was decided in; for a read (`read` set), the last slot the replica
   * had applied when it read: a watch from slot + 1 misses nothing after the read.
   */
  slot: number;
  /** Set on a read, which takes no slot of its own (docs/reads.md). */
  read?: 'linearizable' | 'serializable';
  result: {
    /** False for a cas whose expectation did not hold. */
    ok: boolean;
    /** get: the value; put, delete: the value before; cas: the value after the attempt. */
    value: string | null;
    entries?: Entry[];
    more?: boolean;
  };
}

/** What `get` returns. */
export interface GetResult {
  value: string | null;
  slot: number;
}

/** What `put` and `delete` return: the value before the write. */
export interface WriteResult {
  previous: string | null;
  slot: number;
}

/** What `cas` returns: whether it wrote, and the value after the attempt. */
export interface CasResult {
  ok: boolean;
  value: string | null;
  slot: number;
}

export interface ListResult {
  entries: Entry[];
  /** True when entries were left out by the limit or the answer's byte bound. */
  more: boolean;
  slot: number;
}

/** One change of the feed. */
export interface Change {
  /** slot * 16384 + the command's position in the slot's batch. */
  revision: number;
  slot: number;
  position: number;
  type: 'put' | 'delete';
  key: string;
  /** null for a delete. */
  value: string | null;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call; a cancelled write's outcome is unknown (AbortedError says so). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

/**
 * A read's options. `consistency`: `linearizable` (the default) sees every write acknowledged
 * before the call; `serializable` answers at once from the replica reached, possibly stale
 * (docs/reads.md).
 */
export interface ReadOptions extends CallOptions {
  consistency?: 'linearizable' | 'serializable';
}
