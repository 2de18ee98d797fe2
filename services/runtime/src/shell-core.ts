import {
  LIMITS,
  PROTOCOL_VERSION,
  type DurableState,
  type Envelope,
  type Message,
  type Role,
  type StepResult,
} from '@paxos/shared';
import { admit, type DeadLetterReason } from './admit';
import { versionedDurable } from './durable-version';
import { CommitPlanError, planCommits, type PlannedCommit } from './commit-planner';
import { ShellFatalError, describeError } from './failures';
import { MeasuredStep, durableWritesOf } from './measured-step';
import type { ClaimedMessage } from './queue-port';

/**
 * The service shell's decisions, without I/O: etcd raft's RawNode to role-host.ts's node.
 *
 * It owns the role's state and everything the shell holds (claimed messages, local messages,
 * deferred acks, the commit counter), and turns them into ACTIONS, one at a time: load the
 * durable state, make a step commit, dead-letter a message, hand messages back, deliver to local
 * clients. A driver performs each action and reports its outcome; the core never waits, sleeps,
 * reads a clock or makes a promise. The driver in role-host.ts does this over the data API; the
 * simulator can do it synchronously over a simulated one.
 *
 * Protocol (every call synchronous):
 *
 *   const core = new ShellCore(options);
 *   core.begin(epoch);                      // once: the epoch this incarnation claimed
 *   loop:
 *     core.receive(claimedRows);            // whenever a claim returns rows
 *     core.submit(message);                 // whenever a local client submits one
 *     const action = core.next(now);        // null: nothing to do before core.wakeAt() or new input
 *     ...perform it, then, before calling next() again:
 *     core.settle(outcome, now);
 *   core.stop();                            // then keep calling next()/settle() until
 *                                           // core.finished (it flushes acks and hands back
 *                                           // what it holds)
 *
 * Actions and the outcomes they take (anything else is a bug, and settle() throws):
 *   load-durable  wait until every background commit handed out so far has settled, read the
 *                 durable state, settle {kind: 'loaded', durable}. The core then recovers the
 *                 role; if recover throws (a corrupt row), settle throws ShellFatalError with
 *                 exitCode 3; on state of a protocol version it must not run on (a later one),
 *                 exitCode 4. The recovery commit records this version (durable-version.ts).
 *   commit        make the step commit (processId, epoch and `commit`, writeSeq included).
 *                 background false: settle {kind: 'committed'}, {kind: 'refused', detail} for a
 *                 content refusal (400/413/422), or {kind: 'fenced'} (settle then throws).
 *                 background true (persistLater writes): settle {kind: 'done'} at once and make
 *                 the commit later, in order with the other background commits; its refusal or
 *                 fencing is fatal for the driver.
 *                 Retrying transient failures (5xx, network) is the driver's business: the
 *                 same commit, with the same ids and writeSeq, until it lands.
 *   dead-letter   move message `id` to the dead letters with `reason`; settle {kind: 'done'}.
 *   release       hand the messages back to the queue; settle {kind: 'done'}.
 *   deliver       hand each envelope to its local client and log the events; settle {kind: 'done'}.
 *
 * `next` and `settle` may throw ShellFatalError: the process must stop (fenced, a corrupt state
 * row, a write too large from recovery or a timer, a refused commit that no message explains).
 *
 * What the core guarantees:
 *   - a step's puts land before its sends, and its acks and truncation last, over as many commits
 *     as the body limit needs (commit-planner.ts); local deliveries only after all of them;
 *   - every commit carries the next writeSeq of this epoch (1, 2, 3, ...), background ones too,
 *     numbered when they are planned;
 *   - one message never stops the process: when a step throws or its commit is refused, the core
 *     reloads the role from durable state and steps that batch again one message at a time, and
 *     only the culprit is dead-lettered (a local one is dropped);
 *   - messages delivered before (attempts > 1) are stepped one at a time, and the batch mates
 *     that came with them are handed back, so a message that kills the process cannot take
 *     innocent ones to the dead letters.
 */

export type ShellAction =
  | { kind: 'load-durable' }
  | { kind: 'commit'; commit: PlannedCommit; background: boolean }
  | { kind: 'dead-letter'; id: string; reason: DeadLetterReason; detail: string }
  | { kind: 'release'; ids: string[] }
  | { kind: 'deliver'; envelopes: Envelope[]; events: string[] };

export type ShellOutcome =
  | { kind: 'done' }
  | { kind: 'loaded'; durable: DurableState }
  | { kind: 'committed' }
  | { kind: 'refused'; detail: string }
  | { kind: 'fenced' };

/** What the core reports as it goes (logs and metrics); every method optional and synchronous. */
export interface ShellObserver {
  /** A dead-letter action was settled: count it and log it once, at warn. */
  deadLettered?(id: string, reason: DeadLetterReason, detail: string): void;
  /** A local (client) message made its step fail and was dropped. */
  droppedLocal?(message: Message, reason: DeadLetterReason, detail: string): void;
  /** A message or durable write over its limit: a bug the limits rule out, logged as an error. */
  tooLarge?(detail: string): void;
  /** A step failed; the core recovers and steps its inputs one at a time. */
  isolating?(inputs: number, detail: string): void;
  recovered?(durableEntries: number): void;
  note?(note: string): void;
  messageIn?(type: string): void;
  messageOut?(type: string): void;
}

export interface ShellCoreOptions<S, C> {
  processId: string;
  role: Role<S, C>;
  config: C;
  /** At most this many claimed messages in one step. */
  claimBatch: number;
  /** A message delivered more often than this is dead-lettered unstepped (poison). */
  maxAttempts: number;
  /** A step stops taking claimed messages once their payloads add up to this. */
  maxStepInputBytes?: number;
  /** How long an ack with nothing else to commit may wait to ride along with a later commit. */
  ackDelayMs?: number;
  /** The body budget of one commit (tests make it small). */
  commitBodyBytesMax?: number;
  /**
   * Merges local messages that arrived together before they are stepped (the replica turns
   * client requests into one batch). Isolation steps the originals, one at a time.
   */
  coalesceLocal?: (messages: Message[]) => Message[];
  /** Ids for queued messages, chosen once so that a retried commit is the same commit. */
  newId: () => string;
  observer?: ShellObserver;
}

/** About 1/8 of the data API's body limit: a step's sends are a few times its input. */
export const DEFAULT_MAX_STEP_INPUT_BYTES = 128 * 1024;
export const DEFAULT_ACK_DELAY_MS = 1_000;

/** One input of a step, as isolation replays it. */
type StepInput = { claimed: { id: string; message: Message } } | { local: Message };

/**
 * The step whose actions are queued: what a refused commit means depends on it.
 *   batch: inputs (claimed and local) stepped together, maybe with a timer tick;
 *   single: one input alone (isolation, or a redelivered message);
 *   recovery, acks, tick-only: nothing to blame but the process itself.
 */
interface Unit {
  kind: 'batch' | 'single' | 'recovery' | 'acks';
  inputs: StepInput[];
  /** Deferred acks this unit's last commit carries: deferred again if it never lands. */
  takenAcks: string[];
}

export class ShellCore<S, C> {
  private state: S | undefined;
  private epoch = 0;
  /** The last writeSeq handed out in this epoch. */
  private writeSeq = 0;
  private needsRecovery = true;
  private recoveredOnce = false;
  /** Claimed messages to step in batches, by seq. */
  private inbox: ClaimedMessage[] = [];
  /** Claimed messages delivered before: stepped one at a time, first. */
  private redelivered: ClaimedMessage[] = [];
  /** The inputs of a failed step, stepped again one at a time. */
  private isolation: StepInput[] = [];
  /** Ids of every claimed message this incarnation holds and has not acked, dead-lettered or released. */
  private readonly held = new Set<string>();
  private local: Message[] = [];
  /** Acks of steps that had nothing else to commit; they ride along with the next commit. */
  private pendingAcks: string[] = [];
  private ackFlushAt: number | null = null;
  private actions: ShellAction[] = [];
  private awaiting: ShellAction | null = null;
  private unit: Unit | null = null;
  private stopping = false;
  private done = false;
  private readonly maxStepInputBytes: number;
  private readonly ackDelayMs: number;
  private readonly observer: ShellObserver;
  readonly stats = {
    steps: 0,
    commits: 0,
    backgroundCommits: 0,
    messagesHandled: 0,
    deadLetters: 0,
    isolations: 0,
    recoveries: 0,
  };

  constructor(private readonly o: ShellCoreOptions<S, C>) {
    this.maxStepInputBytes = o.maxStepInputBytes ?? DEFAULT_MAX_STEP_INPUT_BYTES;
    this.ackDelayMs = o.ackDelayMs ?? DEFAULT_ACK_DELAY_MS;
    this.observer = o.observer ?? {};
  }

  /** Starts this incarnation: commits will carry `epoch`; the first action recovers the role. */
  begin(epoch: number): void {
    if (this.epoch !== 0) throw new Error('ShellCore.begin: called twice');
    if (!Number.isSafeInteger(epoch) || epoch < 1) throw new RangeError(`bad epoch ${epoch}`);
    this.epoch = epoch;
  }

  /** The role's state; undefined until the first recovery. */
  get currentState(): S | undefined {
    return this.state;
  }

  /** True once the role has been recovered from durable state (the service can be ready). */
  get recovered(): boolean {
    return this.recoveredOnce;
  }

  /** An action is waiting to be settled, or more are queued. */
  get busy(): boolean {
    return this.awaiting !== null || this.actions.length > 0;
  }

  /** After stop(): true once the last action has been settled. */
  get finished(): boolean {
    return this.done && this.awaiting === null && this.actions.length === 0;
  }

  /** Claimed messages waiting to be stepped (the claim loop keeps this under claimBatch). */
  get inboxSize(): number {
    return this.inbox.length + this.redelivered.length + this.isolation.length;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  /** Takes claimed rows; ignores ids it already holds (a lease that ran out, then claimed again). */
  receive(rows: readonly ClaimedMessage[]): void {
    // After stop() the rows still come in (a claim in flight) and are handed back with the rest;
    // once finished, the driver must not claim any more.
    if (this.done) throw new Error('ShellCore.receive: the core has finished');
    const fresh = rows.filter((r) => !this.held.has(r.id));
    if (fresh.length === 0) return;
    for (const r of fresh) this.held.add(r.id);
    const again = fresh.filter((r) => r.attempts > 1);
    if (again.length === 0) {
      this.inbox = mergeBySeq(this.inbox, fresh);
      return;
    }
    // An earlier holder may have died stepping one of these: step them alone, and hand the
    // others back (queue_release does not count it as an attempt) rather than risk them.
    this.redelivered = mergeBySeq(this.redelivered, again);
    const others = fresh.filter((r) => r.attempts <= 1).map((r) => r.id);
    if (others.length > 0) this.actions.push({ kind: 'release', ids: others });
  }

  /** A message from this process (a client request over HTTP). */
  submit(message: Message): void {
    if (this.stopping) return;
    this.local.push(message);
  }

  /** When the core next has something to do without new input (a role timer, an ack flush). */
  wakeAt(): number | null {
    if (this.done) return null;
    const deadline =
      this.recoveredOnce && !this.needsRecovery && this.state !== undefined
        ? this.o.role.nextDeadline(this.state)
        : null;
    return earliest(deadline, this.ackFlushAt);
  }

  /** Stops taking work: the driver finishes the actions queued, then acks and hands back. */
  stop(): void {
    this.stopping = true;
  }

  /** The next action, or null when there is nothing to do before wakeAt() or new input. */
  next(now: number): ShellAction | null {
    if (this.awaiting !== null) throw new Error('ShellCore.next: settle the previous action first');
    if (this.epoch === 0) throw new Error('ShellCore.next: begin(epoch) first');
    let ticked = false;
    for (;;) {
      const queued = this.actions.shift();
      if (queued !== undefined) {
        if (queued.kind === 'release') for (const id of queued.ids) this.held.delete(id);
        this.awaiting = queued;
        return queued;
      }
      this.unit = null;
      if (this.done) return null;
      if (this.stopping) {
        this.planStop(now);
        continue;
      }
      if (this.needsRecovery) {
        this.actions.push({ kind: 'load-durable' });
        continue;
      }
      const isolated = this.isolation.shift();
      if (isolated !== undefined) {
        this.stepAlone(isolated, now);
        continue;
      }
      const again = this.redelivered.shift();
      if (again !== undefined) {
        const admitted = this.admit(again);
        if (admitted !== null) this.stepAlone(admitted, now);
        continue;
      }
      const deadline = this.o.role.nextDeadline(this.state as S);
      const tickDue = !ticked && deadline !== null && deadline <= now;
      if (this.inbox.length > 0 || this.local.length > 0 || tickDue) {
        ticked = true;
        this.stepBatch(now);
        continue;
      }
      if (this.ackFlushAt !== null && this.ackFlushAt <= now && this.pendingAcks.length > 0) {
        this.planUnit({ kind: 'acks', inputs: [], takenAcks: [] }, null, [], now);
        continue;
      }
      return null;
    }
  }

  /** The outcome of the action next() returned. */
  settle(outcome: ShellOutcome, now: number): void {
    const action = this.awaiting;
    if (action === null) throw new Error('ShellCore.settle: no action is waiting');
    this.awaiting = null;
    switch (action.kind) {
      case 'load-durable':
        expectOutcome(action, outcome, 'loaded');
        this.recover((outcome as { durable: DurableState }).durable, now);
        return;
      case 'commit':
        if (action.background) {
          expectOutcome(action, outcome, 'done');
          this.stats.backgroundCommits += 1;
          return;
        }
        if (outcome.kind === 'committed') {
          this.stats.commits += 1;
          for (const id of action.commit.acks) this.held.delete(id);
          for (const type of action.commit.sendTypes) this.observer.messageOut?.(type);
          return;
        }
        if (outcome.kind === 'fenced') {
          throw new ShellFatalError(
            `fenced: a newer incarnation of ${this.o.processId} holds a later epoch than ${this.epoch}`,
          );
        }
        expectOutcome(action, outcome, 'refused');
        this.onRefused((outcome as { detail: string }).detail, now);
        return;
      case 'dead-letter':
        expectOutcome(action, outcome, 'done');
        this.held.delete(action.id);
        this.stats.deadLetters += 1;
        this.observer.deadLettered?.(action.id, action.reason, action.detail);
        return;
      case 'release':
      case 'deliver':
        expectOutcome(action, outcome, 'done');
        return;
    }
  }

  // --- steps -------------------------------------------------------------------------------

  /** Claimed messages (and local ones) together in one step, with a timer tick if one is due. */
  private stepBatch(now: number): void {
    const claimed = this.takeStepInput();
    const localOriginals = this.local.splice(0);
    const local = this.o.coalesceLocal ? this.o.coalesceLocal(localOriginals) : localOriginals;
    const inputs: StepInput[] = [];
    for (const m of claimed) {
      const admitted = this.admit(m);
      if (admitted !== null) inputs.push(admitted);
    }
    for (const message of localOriginals) inputs.push({ local: message });
    const step = new MeasuredStep(this.state as S, this.o.newId);
    const acks: string[] = [];
    const messages: Message[] = [];
    for (const input of inputs) {
      if (!('claimed' in input)) continue;
      this.observer.messageIn?.(input.claimed.message.type);
      acks.push(input.claimed.id);
      messages.push(input.claimed.message);
    }
    messages.push(...local);
    const failure = this.stepEach(step, messages, now);
    this.stats.steps += 1;
    if (failure !== null) {
      this.failStep(inputs, failure.reason, failure.detail);
      return;
    }
    this.tickInto(step, now);
    this.stats.messagesHandled += inputs.length;
    this.planOrIsolate({ kind: 'batch', inputs, takenAcks: [] }, step, acks, now);
  }

  /** One input alone: no tick, so that a failure has exactly one suspect. */
  private stepAlone(input: StepInput, now: number): void {
    const step = new MeasuredStep(this.state as S, this.o.newId);
    const message = 'claimed' in input ? input.claimed.message : input.local;
    if ('claimed' in input) this.observer.messageIn?.(message.type);
    const failure = this.stepEach(step, [message], now);
    this.stats.steps += 1;
    if (failure !== null) {
      this.failStep([input], failure.reason, failure.detail);
      return;
    }
    this.stats.messagesHandled += 1;
    const acks = 'claimed' in input ? [input.claimed.id] : [];
    this.planOrIsolate({ kind: 'single', inputs: [input], takenAcks: [] }, step, acks, now);
  }

  /** Steps the messages in order; stops at the first that throws or writes over the limits. */
  private stepEach(
    step: MeasuredStep<S>,
    messages: readonly Message[],
    now: number,
  ): { reason: 'step-threw' | 'too-large'; detail: string } | null {
    for (const message of messages) {
      let tooLarge: string | null;
      try {
        tooLarge = step.add(this.o.role.step(step.state, message, now));
      } catch (err) {
        return {
          reason: 'step-threw',
          detail: `the role threw on a ${message.type}: ${describeError(err)}`,
        };
      }
      if (tooLarge !== null) return { reason: 'too-large', detail: tooLarge };
    }
    return null;
  }

  /** A due timer. Its failure cannot be pinned on a message: fatal. */
  private tickInto(step: MeasuredStep<S>, now: number): void {
    const deadline = this.o.role.nextDeadline(step.state);
    if (deadline === null || deadline > now) return;
    let tooLarge: string | null;
    try {
      tooLarge = step.add(this.o.role.tick(step.state, now));
    } catch (err) {
      throw new ShellFatalError(`the role's tick threw: ${describeError(err)}`);
    }
    if (tooLarge !== null) {
      this.observer.tooLarge?.(`from a timer: ${tooLarge}`);
      throw new ShellFatalError(`a timer produced a write over the limits: ${tooLarge}`);
    }
  }

  private planOrIsolate(unit: Unit, step: MeasuredStep<S>, acks: string[], now: number): void {
    try {
      this.planUnit(unit, step, acks, now);
    } catch (err) {
      if (!(err instanceof CommitPlanError)) throw err;
      this.failStep(unit.inputs, 'too-large', err.message);
    }
  }

  /**
   * A step failed (the role threw, or wrote something over the limits): its state changes are
   * suspect, so the role is reloaded from durable state first. One input: it is the culprit.
   * Several: each is stepped again alone.
   */
  private failStep(inputs: StepInput[], reason: 'step-threw' | 'too-large', detail: string): void {
    if (inputs.length === 0) {
      // Only a timer's writes were in this step (the messages all went to the dead letters).
      if (reason === 'too-large') this.observer.tooLarge?.(`from a timer: ${detail}`);
      throw new ShellFatalError(`a step with no message to blame failed: ${detail}`);
    }
    this.needsRecovery = true;
    if (inputs.length === 1) {
      this.blame(inputs[0]!, reason, detail);
      return;
    }
    this.stats.isolations += 1;
    this.observer.isolating?.(inputs.length, detail);
    this.isolation.unshift(...inputs);
  }

  private blame(input: StepInput, reason: DeadLetterReason, detail: string): void {
    if (reason === 'too-large') this.observer.tooLarge?.(detail);
    if ('claimed' in input) {
      this.actions.push({
        kind: 'dead-letter',
        id: input.claimed.id,
        reason,
        detail: boundedDetail(detail),
      });
    } else {
      this.observer.droppedLocal?.(input.local, reason, detail);
    }
  }

  private onRefused(detail: string, now: number): void {
    const unit = this.unit;
    if (unit === null) throw new Error('ShellCore: a commit settled outside its step');
    // The rest of this step's writes must not land; the messages it consumed are not acked.
    this.actions = this.actions.filter((a) => a.kind === 'release');
    this.pendingAcks.unshift(...unit.takenAcks);
    if (this.pendingAcks.length > 0) this.ackFlushAt = now;
    if (unit.kind === 'recovery' || unit.kind === 'acks' || unit.inputs.length === 0) {
      throw new ShellFatalError(
        `the data API refused a commit no message explains (${unit.kind}): ${detail}`,
      );
    }
    this.needsRecovery = true;
    if (unit.inputs.length === 1) {
      this.blame(unit.inputs[0]!, 'commit-refused', `the data API refused its commit: ${detail}`);
      return;
    }
    this.stats.isolations += 1;
    this.observer.isolating?.(unit.inputs.length, `the data API refused the commit: ${detail}`);
    this.isolation.unshift(...unit.inputs);
  }

  private recover(durable: DurableState, now: number): void {
    // Refuses state of a version it must not run on (fatal, exit code 4) before the role sees it.
    const versioned = versionedDurable(this.o.processId, durable);
    let result: StepResult<S>;
    try {
      result = this.o.role.recover(this.o.config, versioned.roleDurable, now);
    } catch (err) {
      throw new ShellFatalError(
        `cannot recover ${this.o.processId} from its durable state: ${describeError(err)}`,
        3,
      );
    }
    const step = new MeasuredStep(result.state, this.o.newId);
    // The version goes first in the recovery commit: no row of this version lands before it.
    if (versioned.stamp !== null) {
      const upgraded = versioned.storedVersion;
      step.add({
        state: result.state,
        persist: [versioned.stamp],
        send: [],
        // An operator wants to see an in-place upgrade happen (a new process is no news).
        events:
          upgraded === null
            ? []
            : [
                `upgraded in place: durable state of protocol version ${upgraded} is now version ${PROTOCOL_VERSION}`,
              ],
      });
    }
    const tooLarge = step.add(result);
    if (tooLarge !== null) {
      this.observer.tooLarge?.(`from recovery: ${tooLarge}`);
      throw new ShellFatalError(`recovery produced a write over the limits: ${tooLarge}`);
    }
    this.state = step.state;
    this.needsRecovery = false;
    this.recoveredOnce = true;
    this.stats.recoveries += 1;
    this.observer.recovered?.(durable.size);
    try {
      this.planUnit({ kind: 'recovery', inputs: [], takenAcks: [] }, step, [], now);
    } catch (err) {
      if (err instanceof CommitPlanError) throw new ShellFatalError(err.message);
      throw err;
    }
  }

  // --- planning ----------------------------------------------------------------------------

  /**
   * Queues a step's actions: its commits (puts, sends, then acks and truncation), its
   * background commits, then its local deliveries. A step with nothing to persist or send
   * defers its acks (a lost ack only means a redelivered duplicate).
   */
  private planUnit(unit: Unit, step: MeasuredStep<S> | null, acks: string[], now: number): void {
    const writes = durableWritesOf(step?.persist ?? []);
    const sends = step?.sends ?? [];
    const nothingToWrite =
      writes.puts.length === 0 && writes.truncateBelow === 0 && sends.length === 0;
    // Plan everything before changing anything: a CommitPlanError leaves the core as it was.
    const takesAcks = !nothingToWrite || unit.kind === 'acks';
    const takenAcks = takesAcks ? this.pendingAcks : [];
    const foreground = takesAcks
      ? this.commitsOf(writes.puts, sends, [...takenAcks, ...acks], writes.truncateBelow, 1)
      : [];
    const later = durableWritesOf(step?.persistLater ?? []);
    const background = this.commitsOf(
      later.puts,
      [],
      [],
      later.truncateBelow,
      1 + foreground.length,
    );

    if (step !== null) {
      this.state = step.state;
      for (const note of step.notes) this.observer.note?.(note);
    }
    this.writeSeq += foreground.length + background.length;
    if (takesAcks) {
      unit.takenAcks = this.takePendingAcks();
    } else if (acks.length > 0) {
      // Nothing to persist or send (a p2b short of a majority, a duplicate): the ack can wait
      // for the next commit. Lost in a crash, it only means a redelivered duplicate.
      this.pendingAcks.push(...acks);
      this.ackFlushAt ??= now + this.ackDelayMs;
      if (this.pendingAcks.length >= this.o.claimBatch) this.ackFlushAt = now;
    }
    const actions: ShellAction[] = [
      ...foreground.map((commit): ShellAction => ({ kind: 'commit', commit, background: false })),
      ...background.map((commit): ShellAction => ({ kind: 'commit', commit, background: true })),
    ];
    const deliveries = step?.deliveries ?? [];
    const events = step?.events ?? [];
    if (deliveries.length > 0 || events.length > 0) {
      actions.push({ kind: 'deliver', envelopes: deliveries, events });
    }
    this.unit = unit;
    this.actions.push(...actions);
  }

  /** Plans commits numbered from this.writeSeq + `offset`; changes nothing. */
  private commitsOf(
    puts: Parameters<typeof planCommits>[0]['puts'],
    sends: Parameters<typeof planCommits>[0]['sends'],
    acks: string[],
    truncateBelow: number,
    offset: number,
  ): PlannedCommit[] {
    return planCommits({
      processId: this.o.processId,
      epoch: this.epoch,
      firstWriteSeq: this.writeSeq + offset,
      puts,
      sends,
      acks,
      truncateBelow,
      bodyBytesMax: this.o.commitBodyBytesMax ?? LIMITS.commitBodyBytesMax,
    });
  }

  private takePendingAcks(): string[] {
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    this.ackFlushAt = null;
    return acks;
  }

  private takeStepInput(): ClaimedMessage[] {
    let bytes = 0;
    let count = 0;
    while (count < this.inbox.length && count < this.o.claimBatch) {
      bytes += this.inbox[count]!.payload.length;
      count += 1;
      if (bytes >= this.maxStepInputBytes) break;
    }
    return this.inbox.splice(0, count);
  }

  /** A claimed message as a step input, or a dead-letter action and null. */
  private admit(m: ClaimedMessage): StepInput | null {
    const admission = admit(m, this.o.maxAttempts);
    if (admission.ok) return { claimed: { id: m.id, message: admission.message } };
    this.actions.push({
      kind: 'dead-letter',
      id: m.id,
      reason: admission.reason,
      detail: admission.detail,
    });
    return null;
  }

  /** Stopping: flush deferred acks, hand back every claimed message still held, then finish. */
  private planStop(now: number): void {
    if (this.pendingAcks.length > 0) {
      this.planUnit({ kind: 'acks', inputs: [], takenAcks: [] }, null, [], now);
      return;
    }
    const ids = [...this.inbox, ...this.redelivered].map((m) => m.id);
    for (const input of this.isolation) if ('claimed' in input) ids.push(input.claimed.id);
    this.inbox = [];
    this.redelivered = [];
    this.isolation = [];
    this.local = [];
    if (ids.length > 0) this.actions.push({ kind: 'release', ids });
    this.done = true;
  }
}

function expectOutcome(
  action: ShellAction,
  outcome: ShellOutcome,
  kind: ShellOutcome['kind'],
): void {
  if (outcome.kind !== kind) {
    throw new Error(
      `ShellCore.settle: a ${action.kind} action settles with ${kind}, not ${outcome.kind}`,
    );
  }
}

/** Dead-letter reasons are stored and logged: a role's error message may be long. */
function boundedDetail(detail: string): string {
  return detail.length <= 1_000 ? detail : `${detail.slice(0, 1_000)}...`;
}

function mergeBySeq(held: ClaimedMessage[], rows: ClaimedMessage[]): ClaimedMessage[] {
  return [...held, ...rows].sort((a, b) => a.seq - b.seq);
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
