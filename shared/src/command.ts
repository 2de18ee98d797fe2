import { z } from 'zod';
import { LIMITS, jsonStringBytes } from './limits';
import { storable } from './storable';
import { MembersSchema, WindowSchema } from './configuration';

/** Keys and values of the replicated key-value store (limits.ts has the bounds). */
export const KeySchema = storable(z.string().min(1).max(LIMITS.keyCharsMax));
export const ValueSchema = storable(z.string()).refine(
  (v) => jsonStringBytes(v) <= LIMITS.valueJsonBytesMax,
  { message: `must be at most ${LIMITS.valueJsonBytesMax} bytes as JSON` },
);

/** A list's prefix or range bound: storable text no longer than a key, '' allowed. */
const KeyBoundSchema = storable(z.string().max(LIMITS.keyCharsMax));

/**
 * A range read, decided through the log like a get: the entries whose keys start with `prefix`,
 * or lie in [start, end) (either bound may be absent), in key order (JavaScript's string order,
 * by UTF-16 code unit), at most `limit` (LIMITS.listEntriesDefault when absent) and at most
 * LIMITS.listResultJsonBytesMax of JSON. Neither a prefix nor a range: every key.
 */
export const ListOpSchema = z
  .object({
    kind: z.literal('list'),
    prefix: KeyBoundSchema.optional(),
    start: KeyBoundSchema.optional(),
    end: KeyBoundSchema.optional(),
    limit: z.number().int().min(1).max(LIMITS.listEntriesMax).optional(),
  })
  .refine((op) => op.prefix === undefined || (op.start === undefined && op.end === undefined), {
    message: 'give a prefix or a range (start, end), not both',
  });
export type ListOp = z.infer<typeof ListOpSchema>;

/** The operations on one key (KeyOp below): every op but `list`. */
export const KeyOpSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('get'), key: KeySchema }),
  z.object({ kind: z.literal('put'), key: KeySchema, value: ValueSchema }),
  z.object({ kind: z.literal('delete'), key: KeySchema }),
  /** Compare-and-set: writes `value` only if the current value equals `expected` (null: absent). */
  z.object({
    kind: z.literal('cas'),
    key: KeySchema,
    expected: ValueSchema.nullable(),
    value: ValueSchema,
  }),
]);

export const OpSchema = z.discriminatedUnion('kind', [ListOpSchema, ...KeyOpSchema.options]);
export type Op = z.infer<typeof OpSchema>;

/**
 * A client session (Raft dissertation section 6.3). A client registers once through the log
 * (`POST /sessions`); the session id is derived from the slot and position where the
 * registration was decided, so every replica agrees on it. Session 0 is "no session yet": only
 * a registration carries it.
 */
export const SessionIdSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Positions in one slot's batch are below this, so slot * SESSION_SLOT_FACTOR + position is unique. */
export const SESSION_SLOT_FACTOR = 16_384;
export const sessionIdOf = (slot: number, position: number): number =>
  slot * SESSION_SLOT_FACTOR + position;
export const registrationSlotOf = (sessionId: number): number =>
  Math.floor(sessionId / SESSION_SLOT_FACTOR);

/**
 * A request number within a session: a client numbers its commands 1, 2, 3, ... and retries a
 * command with the same number. A session keeps the answers of its latest numbers; a number
 * below every kept one is refused (its answer is gone, its outcome unknown), never run again.
 */
export const RequestIdSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** A registration: decided in the log, it creates the session `sessionIdOf(slot, position)`. */
export const RegisterSchema = z.object({
  sessionId: z.literal(0),
  /** Chosen by the replica that took the HTTP request, to route the answer back to it. */
  requestId: RequestIdSchema,
  op: z.object({ kind: z.literal('register') }),
});

/** What a client submits. (sessionId, requestId) identifies it: it runs at most once. */
export const ClientCommandSchema = z.object({
  sessionId: SessionIdSchema.min(1),
  requestId: RequestIdSchema,
  op: OpSchema,
  /**
   * Reads only (get, list; docs/reads.md): `linearizable` (absent) reads without a slot after a
   * read probe; `serializable` reads the replica's state at once and may be stale.
   */
  consistency: z.enum(['linearizable', 'serializable']).optional(),
});
export type ReadConsistency = NonNullable<ClientCommand['consistency']>;

/** Operations that change nothing: served without a slot of their own (docs/reads.md). */
export const isReadOp = (op: Op): boolean => op.kind === 'get' || op.kind === 'list';

/**
 * A reconfiguration (PMMC section 4): decided in slot s, the members it names (and its window,
 * or the current one) govern every slot from s + WINDOW on. Like a registration it carries
 * session 0 and a request number chosen by the replica that took the admin request, which alone
 * answers it.
 */
export const ReconfigureOpSchema = MembersSchema.extend({
  kind: z.literal('reconfigure'),
  window: WindowSchema.optional(),
});
export type ReconfigureOp = z.infer<typeof ReconfigureOpSchema>;

export const ReconfigureSchema = z.object({
  sessionId: z.literal(0),
  requestId: RequestIdSchema,
  op: ReconfigureOpSchema,
});

export const CommandSchema = z.union([ClientCommandSchema, RegisterSchema, ReconfigureSchema]);
export type Command = z.infer<typeof CommandSchema>;
export type ClientCommand = z.infer<typeof ClientCommandSchema>;
export type RegisterCommand = z.infer<typeof RegisterSchema>;
export type ReconfigureCommand = z.infer<typeof ReconfigureSchema>;
/** A command of session 0: run by the log for the fleet, answered by its proposer only. */
export type FleetCommand = RegisterCommand | ReconfigureCommand;
export const isRegistration = (c: Command): c is RegisterCommand => c.op.kind === 'register';
export const isReconfiguration = (c: Command): c is ReconfigureCommand =>
  c.op.kind === 'reconfigure';
export const isFleetCommand = (c: Command): c is FleetCommand => c.sessionId === 0;

/**
 * Why a command was not run. `session-unknown`: its session was never registered or has been
 * evicted; `request-too-old`: its session no longer keeps the answer for that request number;
 * `kv-quota-exceeded`: the write would take the store past its key or byte quota (nothing
 * changed). The first two are not remembered: nothing ran.
 */
export const RefusalSchema = z.enum([
  'session-unknown',
  'request-too-old',
  'kv-quota-exceeded',
  /** A reconfiguration decided while another is still pending: nothing changed. */
  'reconfiguration-pending',
  /** A reconfiguration the configuration in force does not allow (reason in `value`). */
  'reconfiguration-invalid',
]);
export type Refusal = z.infer<typeof RefusalSchema>;

/**
 * The outcome of one command. `value` is the value read (get), the value before the write
 * (put, delete), the current value after the attempt (cas), or null (list: see `entries`). `ok` is false for a cas whose
 * expectation did not hold and for a refused command. `sessionId` answers a registration.
 */
export const OpResultSchema = z.object({
  ok: z.boolean(),
  value: z.string().nullable(),
  refused: RefusalSchema.optional(),
  sessionId: SessionIdSchema.optional(),
  /** A list's entries, in key order, and whether the limit or the byte bound left some out. */
  entries: z
    .array(z.object({ key: z.string(), value: z.string() }))
    .max(LIMITS.listEntriesMax)
    .optional(),
  more: z.boolean().optional(),
  /** A reconfiguration's outcome: the new epoch and the first slot it governs. */
  config: z
    .object({ epoch: z.number().int().min(1), startSlot: z.number().int().min(1) })
    .optional(),
});
export type OpResult = z.infer<typeof OpResultSchema>;

/**
 * What one slot decides: a batch of commands. `batchId` is unique per batch (made by the
 * proposer, e.g. `replica-0:17`), so two batches with equal commands are still told apart.
 * An empty batch is a no-op (used to fill gaps and to push an idle log forward).
 */
export const BatchSchema = z.object({
  batchId: z.string().min(1).max(256),
  commands: z.array(CommandSchema).max(LIMITS.batchCommandsMax),
});
export type Batch = z.infer<typeof BatchSchema>;

export const commandKey = (c: { sessionId: number; requestId: number }): string =>
  `${c.sessionId}:${c.requestId}`;

export const batchEquals = (a: Batch, b: Batch): boolean => a.batchId === b.batchId;

export function noopBatch(batchId: string): Batch {
  return { batchId, commands: [] };
}

/**
 * A short fingerprint of an operation, kept with its answer: a request number reused with a
 * different operation is told apart from a retry (409) without keeping the operation itself.
 * FNV-1a over the operation's fields, two 32-bit lanes.
 */
export function opDigest(op: Op | { kind: 'register' } | ReconfigureOp): string {
  const fields =
    op.kind === 'register'
      ? ['register']
      : op.kind === 'reconfigure'
        ? [
            op.kind,
            op.acceptors.join(','),
            op.leaders.join(','),
            op.replicas.join(','),
            String(op.window ?? 0),
          ]
        : op.kind === 'cas'
          ? [op.kind, op.key, op.expected === null ? '\u0001null' : `=${op.expected}`, op.value]
          : op.kind === 'put'
            ? [op.kind, op.key, op.value]
            : op.kind === 'list'
              ? [
                  op.kind,
                  op.prefix === undefined ? '\u0001' : `=${op.prefix}`,
                  op.start === undefined ? '\u0001' : `=${op.start}`,
                  op.end === undefined ? '\u0001' : `=${op.end}`,
                  String(op.limit ?? 0),
                ]
              : [op.kind, op.key];
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (const field of fields) {
    const text = `${field.length}:${field}`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * An operation on one key: every op but `list`. The linearizability checkers split a history by
 * key (linearizability is compositional), which a list, reading several keys at once, would
 * break; the workloads they check issue only these.
 */
export type KeyOp = z.infer<typeof KeyOpSchema>;
export const isKeyOp = (op: Op): op is KeyOp => op.kind !== 'list';
