import type { ProcessId } from './ids';
import type { Message, MessageOf, MessageType } from './messages';

/**
 * The contract between a pure Paxos role and whatever runs it (the simulator or an HTTP
 * service). A role never does I/O: it returns what must be persisted and what must be
 * sent, and the runner makes `persist` durable *before or atomically with* releasing
 * `send` (persist before you reply).
 */

/** One outgoing message. */
export interface Envelope {
  to: ProcessId;
  message: Message;
}

/** The outgoing messages of one type (tests and tools read a step's sends this way). */
export function sentOf<T extends MessageType>(
  result: { send: Envelope[] },
  type: T,
): Array<{ to: ProcessId; message: MessageOf<T> }> {
  return result.send.filter((e) => e.message.type === type) as Array<{
    to: ProcessId;
    message: MessageOf<T>;
  }>;
}

/**
 * A durable write. Durable state is a per-process map from key to value. Entries that
 * belong to a slot carry it, so garbage collection can drop everything below a slot.
 */
export type PersistOp =
  | { op: 'put'; key: string; slot: number | null; value: unknown }
  | { op: 'truncate'; belowSlot: number };

export interface DurableEntry {
  slot: number | null;
  value: unknown;
}

/** What survives a crash: exactly what a process persisted. */
export type DurableState = ReadonlyMap<string, DurableEntry>;

export interface StepResult<S> {
  state: S;
  persist: PersistOp[];
  send: Envelope[];
  /**
   * Writes the runner may make durable AFTER this step, without holding up later steps: it
   * commits them in order, each batch after its own step's commit, and a crash may lose any of
   * them. Only for writes that repeat, in compacter form, what `persist` has already made
   * durable (a snapshot of applied state) and for the truncations such a snapshot makes safe,
   * so that losing them loses nothing and recovery works with or without them.
   */
  persistLater?: PersistOp[];
  /**
   * Why a message was ignored or what notable thing happened (`duplicate p2b from acceptor-1`),
   * for the runner's debug log and counters. Never needed for correctness.
   */
  notes?: string[];
  /**
   * Rare changes an operator wants in the log at the default level (a leader scouting,
   * becoming active, being preempted). Never needed for correctness.
   */
  events?: string[];
}

/**
 * A role. `step` and `tick` take ownership of `state` (they may update it in place and
 * return it); a caller keeps only the returned state. `now` is milliseconds on a
 * monotonic clock supplied by the runner. No randomness: where a role needs jitter it
 * derives it from its id and state.
 */
export interface Role<S, C> {
  /** Builds a process from its configuration and what it had persisted (empty when new). */
  recover(config: C, durable: DurableState, now: number): StepResult<S>;
  /** Handles one delivered message. Duplicates and stale messages are expected. */
  step(state: S, message: Message, now: number): StepResult<S>;
  /** Fires timers due at `now` (retransmission, failure detection, batching). */
  tick(state: S, now: number): StepResult<S>;
  /** The earliest time `tick` has something to do, or null when idle. */
  nextDeadline(state: S): number | null;
}

/** Applies persist ops to a durable map (used by the simulator and by tests). */
export function applyPersist(
  durable: ReadonlyMap<string, DurableEntry>,
  ops: readonly PersistOp[],
): Map<string, DurableEntry> {
  const next = new Map(durable);
  for (const op of ops) {
    if (op.op === 'put') {
      next.set(op.key, { slot: op.slot, value: op.value });
    } else {
      for (const [key, entry] of next) {
        if (entry.slot !== null && entry.slot < op.belowSlot) next.delete(key);
      }
    }
  }
  return next;
}

/** Combines the results of several steps taken one after another. */
export class StepCollector<S> {
  readonly persist: PersistOp[] = [];
  readonly persistLater: PersistOp[] = [];
  readonly send: Envelope[] = [];
  readonly notes: string[] = [];
  readonly events: string[] = [];
  constructor(public state: S) {}
  add(result: StepResult<S>): this {
    this.state = result.state;
    this.persist.push(...result.persist);
    if (result.persistLater) this.persistLater.push(...result.persistLater);
    this.send.push(...result.send);
    if (result.notes) this.notes.push(...result.notes);
    if (result.events) this.events.push(...result.events);
    return this;
  }
  result(): StepResult<S> {
    const result: StepResult<S> = {
      state: this.state,
      persist: this.persist,
      send: this.send,
      notes: this.notes,
    };
    if (this.persistLater.length > 0) result.persistLater = this.persistLater;
    if (this.events.length > 0) result.events = this.events;
    return result;
  }
}

/**
 * A bad role configuration is a deployment mistake: it fails at start, naming the field.
 * `optional` fields may be absent; present, they must be positive integers too.
 */
export function assertPositiveIntegers<T extends object>(
  what: string,
  config: T,
  required: ReadonlyArray<keyof T & string>,
  optional: ReadonlyArray<keyof T & string> = [],
): void {
  for (const field of [...required, ...optional]) {
    const value = config[field] as unknown;
    if (value === undefined && optional.includes(field)) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`${what} config ${field} must be a positive integer, got ${String(value)}`);
    }
  }
}

/**
 * A durable row that does not read back as what was written: the service cannot know its own
 * state, so it must stop (exit non-zero) rather than run on a guess. The message names the row
 * and the field.
 */
export class CorruptStateError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`durable state row "${key}" is unreadable: ${problem}`);
    this.name = 'CorruptStateError';
  }
}

/** Parses one durable entry's value with `schema`; a mismatch is a CorruptStateError naming the field. */
export function parseDurableValue<T>(
  key: string,
  value: unknown,
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(value)'}: ${i.message}`)
    .join('; ');
  throw new CorruptStateError(key, problems);
}
