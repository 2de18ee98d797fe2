import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DurableEntry, PersistOp } from '../role';
import type { DataApiClient, HttpMethod, QueryValue } from './client';
import { parseData } from './envelope';
import { DataApiResponseError } from './errors';
import {
  AckedRowSchema,
  ClaimedRowSchema,
  DeletedRowSchema,
  DepthRowSchema,
  DurableRowSchema,
  EpochClaimRowSchema,
  EpochReleasedRowSchema,
  EpochRenewedRowSchema,
  InsertedRowSchema,
  MemberRetireRowSchema,
  MovedRowSchema,
  PoppedRowSchema,
  ReleasedRowSchema,
  RetentionRowSchema,
  StepCommitRowSchema,
} from './queue-rows';

/**
 * Typed calls for every custom query of the queue contract (neurelo/queries/*.sql).
 *
 * Every write that a retry could repeat is made idempotent here: message ids are chosen by
 * the client once, before the first attempt, and the SQL skips ids it already holds.
 */

export interface OutgoingMessage {
  dst: string;
  /** The message as JSON text (queue payloads are strings end to end). */
  payload: string;
  /** Supply one to make a retry across calls idempotent too; otherwise a uuid is made. */
  id?: string;
}

export interface ClaimedMessage {
  id: string;
  payload: string;
  /** Deliveries so far, this one included. */
  attempts: number;
  /** Insertion order within the queue. */
  seq: number;
}

export interface ClaimRequest {
  dst: string;
  /** The lease owner, `<processId>#<epoch>` (see leaseOwnerOf). */
  owner: string;
  limit: number;
  leaseMs: number;
  /** Long-poll for up to this long when nothing is waiting (honoured by the local server). */
  waitSeconds?: number;
  signal?: AbortSignal;
}

export interface DurablePut {
  key: string;
  slot: number | null;
  value: unknown;
}

export interface StepCommitRequest {
  processId: string;
  epoch: number;
  /** Ids of consumed messages, leased by `<processId>#<epoch>`. */
  acks: string[];
  puts: DurablePut[];
  /**
   * Drop this owner's entries with a slot below it, this step's puts included ("put, then
   * truncate", whatever the order of the ops); 0 truncates nothing.
   */
  truncateBelow: number;
  sends: OutgoingMessage[];
  /**
   * This commit's number within the epoch: 1 for an incarnation's first commit, then strictly
   * increasing. A put lands only if the row's (epoch, writeSeq) is older, so a retried commit
   * whose first attempt stalled and lands after a later commit changes nothing.
   */
  writeSeq: number;
  signal?: AbortSignal;
}

export interface EpochClaimRequest {
  processId: string;
  /** This process's random nonce: a claim by the lease's own holder is always granted. */
  holder: string;
  /** How long the lease lasts unless renewed. */
  leaseMs: number;
  signal?: AbortSignal;
}

export interface EpochClaim {
  /** False: another holder's lease is live; `epoch` is then the holder's. */
  granted: boolean;
  epoch: number;
  /** When not granted: how long until the holder's lease ends (0 otherwise). */
  retryInMs: number;
}

export interface EpochRenewRequest {
  processId: string;
  epoch: number;
  leaseMs: number;
  /** One attempt, with this budget: the renewal doubles as the readiness probe. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RetentionRequest {
  /** Queued messages for a destination that holds no epoch row, older than this, are removed. */
  unknownAfterMs: number;
  /** Dead letters older than this are removed. */
  deadLetterAfterMs: number;
  /** At most this many rows of each kind go per call. */
  batchLimit: number;
  signal?: AbortSignal;
}

export interface RetentionResult {
  removedUnknown: number;
  removedDeadLetters: number;
  /** What is left after the call. */
  unknownRows: number;
  deadLetterRows: number;
}

export interface MemberRetireRequest {
  /** The member's id: its queue destination, durable_state owner and process_epoch row. */
  processId: string;
  /** At most this many of its queued messages go per call (1..100000). */
  batchLimit: number;
  signal?: AbortSignal;
}

export interface MemberRetireResult {
  /** False: a process holds a live epoch lease on the id; nothing was deleted. */
  retired: boolean;
  /** Rows deleted: queued messages to it, its durable state, its epoch row (0 or 1). */
  queueRows: number;
  stateRows: number;
  epochRows: number;
  /** Messages still queued for it: call again while this is above 0. */
  queueRowsLeft: number;
  /** When refused: the milliseconds until the live lease runs out (0 otherwise). */
  retryInMs: number;
}

export interface StepCommitResult {
  /** As the query reports it: false means a newer epoch owns the process and nothing was written. */
  fenced: boolean;
  acked: number;
  put: number;
  truncated: number;
  sent: number;
}

export interface PoppedMessage {
  id: string;
  timeInserted: string;
  dst: string;
  payload: string;
}

export interface QueueDepth {
  dst: string;
  depth: number;
  leased: number;
}

type CustomRunner = Pick<DataApiClient, 'custom'>;
type ClaimedRow = z.output<typeof ClaimedRowSchema>;

/**
 * The hot queries (queue_claim, step_commit) run on every step of every role, so their rows
 * are checked by hand: the same fields and the same integer coercion as the zod schemas, at a
 * fraction of the cost. Rows the hand check refuses go through zod, which words the error
 * exactly as before. The client is asked only for "any rows" (a list, whatever its items).
 */
const UNCHECKED_ROW = z.unknown();
const CLAIMED_ROWS_SCHEMA = z.array(ClaimedRowSchema);
const STEP_COMMIT_ROWS_SCHEMA = z.array(StepCommitRowSchema);
const INTEGER_TEXT = /^-?\d+$/;

/** IntegerFieldSchema's rule: a safe integer, as a number or a string of digits. */
function integerOf(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && INTEGER_TEXT.test(value)
        ? Number(value)
        : undefined;
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

function claimedRowOf(row: unknown): ClaimedRow | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return undefined;
  const r = row as Record<string, unknown>;
  const { element_identifier: id, payload } = r;
  if (typeof id !== 'string' || typeof payload !== 'string') return undefined;
  const attempts = integerOf(r.attempts);
  const seq = integerOf(r.seq);
  if (attempts === undefined || seq === undefined) return undefined;
  return { element_identifier: id, payload, attempts, seq };
}

function stepCommitRowOf(row: unknown): StepCommitResult | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return undefined;
  const r = row as Record<string, unknown>;
  if (typeof r.fenced !== 'boolean') return undefined;
  const acked = integerOf(r.acked);
  const put = integerOf(r.put);
  const truncated = integerOf(r.truncated);
  const sent = integerOf(r.sent);
  if (acked === undefined || put === undefined || truncated === undefined || sent === undefined) {
    return undefined;
  }
  return { fenced: r.fenced, acked, put, truncated, sent };
}

/** Every row through `check`; if one fails, zod's verdict on them all (which throws). */
function checkedRows<T>(
  rows: readonly unknown[],
  check: (row: unknown) => T | undefined,
  schema: z.ZodType<T[]>,
  method: HttpMethod,
  path: string,
): T[] {
  const out: T[] = [];
  for (const row of rows) {
    const checked = check(row);
    if (checked === undefined) return parseData(schema, rows, method, path);
    out.push(checked);
  }
  return out;
}
type Signal = { signal?: AbortSignal };

/** The lease owner string of one incarnation of a process. */
export function leaseOwnerOf(processId: string, epoch: number): string {
  return `${processId}#${epoch}`;
}

export class QueueApi {
  private readonly newId: () => string;

  constructor(
    private readonly client: CustomRunner,
    options: { newId?: () => string } = {},
  ) {
    this.newId = options.newId ?? randomUUID;
  }

  /** Enqueues messages in order; returns their ids and how many were new. */
  async push(
    messages: readonly OutgoingMessage[],
    options: Signal = {},
  ): Promise<{ ids: string[]; inserted: number }> {
    const withIds = this.withIds(messages);
    const ids = withIds.map((m) => m.id);
    if (withIds.length === 0) return { ids, inserted: 0 };
    const row = await this.one('queue_push', 'POST', InsertedRowSchema, {
      variables: { messages: JSON.stringify(withIds) },
      signal: options.signal,
    });
    return { ids, inserted: row.inserted };
  }

  /**
   * Leases up to `limit` of the oldest visible messages of `dst`. A claim is not idempotent: if
   * its answer is lost and the client retries, the first attempt's messages stay leased to
   * `owner` unseen until `leaseMs` passes, and are then delivered again (at-least-once).
   */
  async claim(request: ClaimRequest): Promise<{ messages: ClaimedMessage[]; longPolled: boolean }> {
    const { rows, longPolled } = await this.client.custom(
      'queue_claim',
      'POST',
      { dst: request.dst, owner: request.owner, limit: request.limit, leaseMs: request.leaseMs },
      { rowSchema: UNCHECKED_ROW, waitSeconds: request.waitSeconds, signal: request.signal },
    );
    const claimed = checkedRows(
      rows,
      claimedRowOf,
      CLAIMED_ROWS_SCHEMA,
      'POST',
      '/custom/queue_claim',
    );
    const messages = claimed.map((r) => ({
      id: r.element_identifier,
      payload: r.payload,
      attempts: r.attempts,
      seq: r.seq,
    }));
    return { messages, longPolled };
  }

  /** Deletes messages that `owner` holds; returns how many it still held. */
  async ack(owner: string, ids: readonly string[], options: Signal = {}): Promise<number> {
    if (ids.length === 0) return 0;
    const row = await this.one('queue_ack', 'POST', AckedRowSchema, {
      variables: { owner, ids: JSON.stringify(ids) },
      signal: options.signal,
    });
    return row.acked;
  }

  /** Hands leased messages back at once (graceful shutdown) instead of at lease expiry. */
  async release(owner: string, ids: readonly string[], options: Signal = {}): Promise<number> {
    if (ids.length === 0) return 0;
    const row = await this.one('queue_release', 'POST', ReleasedRowSchema, {
      variables: { owner, ids: JSON.stringify(ids) },
      signal: options.signal,
    });
    return row.released;
  }

  /** Moves a message `owner` holds to dead_letter; returns 1, or 0 if it no longer held it. */
  async deadLetter(
    request: { owner: string; id: string; reason: string } & Signal,
  ): Promise<number> {
    const row = await this.one('queue_dead_letter', 'POST', MovedRowSchema, {
      variables: { owner: request.owner, id: request.id, reason: request.reason },
      signal: request.signal,
    });
    return row.moved;
  }

  /**
   * Starts a new incarnation of `processId` if nobody else holds its lease; older incarnations
   * are fenced from then on. Not granted: another live process holds the id.
   */
  async claimEpoch(request: EpochClaimRequest): Promise<EpochClaim> {
    return this.one('epoch_claim', 'POST', EpochClaimRowSchema, {
      variables: { processId: request.processId, holder: request.holder, leaseMs: request.leaseMs },
      signal: request.signal,
    });
  }

  /**
   * Extends the lease of `epoch`; false means a newer incarnation exists (this one is fenced).
   * One attempt with a short timeout and no retries: a failure is news (the data API or its
   * database is away), and the caller decides when to try again.
   */
  async renewEpoch(request: EpochRenewRequest): Promise<boolean> {
    const { rows } = await this.client.custom(
      'epoch_renew',
      'POST',
      { processId: request.processId, epoch: request.epoch, leaseMs: request.leaseMs },
      {
        rowSchema: EpochRenewedRowSchema,
        signal: request.signal,
        timeoutMs: request.timeoutMs,
        retries: 0,
      },
    );
    const [row] = rows;
    if (rows.length !== 1 || row === undefined) {
      throw new DataApiResponseError(
        'POST',
        '/custom/epoch_renew',
        `expected one row, got ${rows.length}`,
      );
    }
    return row.renewed;
  }

  /** Ends the lease of `epoch` at once (graceful stop), so a restart need not wait for it. */
  async releaseEpoch(request: { processId: string; epoch: number } & Signal): Promise<boolean> {
    const row = await this.one('epoch_release', 'POST', EpochReleasedRowSchema, {
      variables: { processId: request.processId, epoch: request.epoch },
      signal: request.signal,
    });
    return row.released;
  }

  /** Removes old rows for unknown destinations and old dead letters; counts what is left. */
  async retention(request: RetentionRequest): Promise<RetentionResult> {
    return this.one('queue_retention', 'POST', RetentionRowSchema, {
      variables: {
        unknownAfterMs: request.unknownAfterMs,
        deadLetterAfterMs: request.deadLetterAfterMs,
        batchLimit: request.batchLimit,
      },
      signal: request.signal,
    });
  }

  /**
   * Deletes the rows of a member that left the configuration for good (member_retire.sql):
   * its queued messages (up to batchLimit per call), its durable state and its epoch row.
   * Refused while a process holds a live lease on the id. Idempotent: a retry deletes what is
   * left, and a member already retired answers retired with nothing deleted.
   */
  async retireMember(request: MemberRetireRequest): Promise<MemberRetireResult> {
    return this.one('member_retire', 'POST', MemberRetireRowSchema, {
      variables: { processId: request.processId, batchLimit: request.batchLimit },
      signal: request.signal,
    });
  }

  /** Everything `owner` persisted, as the role interface's DurableState. */
  async loadDurable(owner: string, options: Signal = {}): Promise<Map<string, DurableEntry>> {
    const { rows } = await this.client.custom(
      'durable_load',
      'POST',
      { owner },
      { rowSchema: DurableRowSchema, signal: options.signal },
    );
    return new Map(rows.map((r) => [r.key, { slot: r.slot, value: r.value }]));
  }

  /** Acks, persists, truncates and sends in one statement, behind the epoch fence. */
  async stepCommit(request: StepCommitRequest): Promise<StepCommitResult> {
    const path = '/custom/step_commit';
    const { rows } = await this.client.custom(
      'step_commit',
      'POST',
      stepCommitVariablesOf({ ...request, sends: this.withIds(request.sends) }),
      { rowSchema: UNCHECKED_ROW, signal: request.signal },
    );
    const checked = checkedRows(rows, stepCommitRowOf, STEP_COMMIT_ROWS_SCHEMA, 'POST', path);
    const [row] = checked;
    if (checked.length !== 1 || row === undefined) {
      throw new DataApiResponseError('POST', path, `expected one row, got ${checked.length}`);
    }
    return row;
  }

  /** Messages waiting and leased, per destination. */
  async queueDepth(options: Signal = {}): Promise<QueueDepth[]> {
    const { rows } = await this.client.custom(
      'queue_depth',
      'GET',
      {},
      { rowSchema: DepthRowSchema, signal: options.signal },
    );
    return rows;
  }

  /**
   * The original project's pop: deletes and returns the oldest message of `dst`. A crash
   * after it loses the message, which is why the fleet claims and acks instead.
   */
  async popOriginal(dst: string, options: Signal = {}): Promise<PoppedMessage | null> {
    const { rows } = await this.client.custom(
      'queue_pop',
      'DELETE',
      { dst },
      { rowSchema: PoppedRowSchema, signal: options.signal },
    );
    const [row] = rows;
    if (row === undefined) return null;
    return {
      id: row.element_identifier,
      timeInserted: row.time_inserted,
      dst: row.dst,
      payload: row.payload,
    };
  }

  /** The original project's "clear": deletes every queued message; returns how many. */
  async popAllOriginal(options: Signal = {}): Promise<number> {
    const { rows } = await this.client.custom(
      'queue_pop_all',
      'DELETE',
      {},
      { rowSchema: DeletedRowSchema, signal: options.signal },
    );
    // The contract allows an empty answer as well as a count row.
    return rows[0]?.deleted ?? 0;
  }

  private withIds(messages: readonly OutgoingMessage[]): Required<OutgoingMessage>[] {
    return messages.map((m) => ({ id: m.id ?? this.newId(), dst: m.dst, payload: m.payload }));
  }

  /** Runs a query that answers exactly one row. */
  private async one<S extends z.ZodType>(
    name: string,
    method: HttpMethod,
    rowSchema: S,
    call: { variables: Record<string, QueryValue>; signal: AbortSignal | undefined },
  ): Promise<z.output<S>> {
    const { rows } = await this.client.custom<z.output<S>>(name, method, call.variables, {
      rowSchema: rowSchema as z.ZodType<z.output<S>>,
      signal: call.signal,
    });
    const [row] = rows;
    if (rows.length !== 1 || row === undefined) {
      throw new DataApiResponseError(
        method,
        `/custom/${name}`,
        `expected one row, got ${rows.length}`,
      );
    }
    return row;
  }
}

/**
 * step_commit's variables exactly as they are sent (the request body is JSON.stringify of this
 * object): the role shell's commit planner measures the same text, and a test holds the two
 * to the byte.
 */
export function stepCommitVariablesOf(
  request: Omit<StepCommitRequest, 'sends' | 'signal'> & { sends: Required<OutgoingMessage>[] },
): Record<string, QueryValue> {
  return {
    processId: request.processId,
    epoch: request.epoch,
    acks: JSON.stringify(request.acks),
    puts: JSON.stringify(lastPutPerKey(request.puts)),
    truncateBelow: request.truncateBelow,
    sends: JSON.stringify(request.sends.map((m) => ({ id: m.id, dst: m.dst, payload: m.payload }))),
    writeSeq: request.writeSeq,
  };
}

/**
 * One put per key, the last one winning as it would applied in order (the statement may not
 * write one row twice). Puts below `truncateBelow` are sent on purpose: step_commit applies
 * "put, then truncate", so it writes none of them and also deletes an older entry under such a
 * key, which dropping the put here would leave behind.
 */
function lastPutPerKey(puts: readonly DurablePut[]): DurablePut[] {
  const byKey = new Map<string, DurablePut>();
  for (const put of puts) {
    if (put.value === undefined) throw new RangeError(`durable put ${put.key} has no value`);
    byKey.delete(put.key); // re-inserting keeps the statement's order that of the last writes
    byKey.set(put.key, put);
  }
  // {key, slot, value} in this order, whatever the caller's objects hold: the planner measures it.
  return [...byKey.values()].map((p) => ({ key: p.key, slot: p.slot, value: p.value }));
}

/** A role's persist ops as step_commit's puts and truncation horizon (0: none). */
export function stepWritesOf(persist: readonly PersistOp[]): {
  puts: DurablePut[];
  truncateBelow: number;
} {
  const puts: DurablePut[] = [];
  let truncateBelow = 0;
  for (const op of persist) {
    if (op.op === 'put') puts.push({ key: op.key, slot: op.slot, value: op.value });
    else truncateBelow = Math.max(truncateBelow, op.belowSlot);
  }
  return { puts, truncateBelow };
}
