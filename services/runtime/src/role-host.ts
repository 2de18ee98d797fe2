import { randomUUID } from 'node:crypto';
import { leaseOwnerOf, sleepMs, type Envelope, type Message, type Role } from '@paxos/shared';
import type { PlannedCommit } from './commit-planner';
import { EpochLease } from './epoch-lease';
import { ShellFatalError, classifyFailure, describeError } from './failures';
import type { Logger } from './logger';
import { noteReason, type ServiceMetrics } from './metrics';
import type { QueuePort, StepCommit } from './queue-port';
import { runRetention, type RetentionSettings } from './retention';
import { ShellCore, type ShellAction, type ShellOutcome } from './shell-core';
import { Wakeup } from './wakeup';

export { DEFAULT_ACK_DELAY_MS, DEFAULT_MAX_STEP_INPUT_BYTES } from './shell-core';

export interface RoleHostOptions<S, C> {
  processId: string;
  role: Role<S, C>;
  config: C;
  queue: QueuePort;
  logger: Logger;
  metrics: ServiceMetrics;
  /** How long a claimed message stays invisible to other consumers. */
  leaseMs: number;
  /** At most this many messages are leased ahead and handled in one step. */
  claimBatch: number;
  /** A message claimed more often than this is a poison message: dead-lettered, not stepped. */
  maxAttempts: number;
  /** The epoch lease (see epoch-lease.ts). */
  epochLeaseMs: number;
  retention: RetentionSettings;
  maxStepInputBytes?: number;
  /** The body budget of one step commit (LIMITS.commitBodyBytesMax unless a test says less). */
  commitBodyBytesMax?: number;
  ackDelayMs?: number;
  /** Merges local messages that arrived together (the replica's client requests). */
  coalesceLocal?: (messages: Message[]) => Message[];
  /** Messages to client destinations (`client:<sessionId>`): delivered here after the commit. */
  onLocalMessage?: (envelope: Envelope) => void;
  /** After start: a fatal condition (fenced, a broken invariant, corrupt state); the service exits. */
  onFatal: (err: Error) => void;
  /** A monotonic clock in ms. */
  now?: () => number;
  /** This process's lease nonce (tests set it; a process makes a random one). */
  holder?: string;
}

/**
 * The thin async driver of a ShellCore (shell-core.ts): it holds the epoch lease, claims
 * messages, performs the core's actions over the data API, retries what is transient, and
 * sleeps. Every decision (what to step, what to commit in which order, what to dead-letter,
 * when to recover) is the core's.
 */
export class RoleHost<S, C> {
  private readonly core: ShellCore<S, C>;
  private readonly lease: EpochLease;
  private readonly now: () => number;
  private owner = '';
  private readonly wake = new Wakeup();
  private readonly inboxSpace = new Wakeup();
  /** Aborts long polls and retry sleeps of the claim loop, the lease wait and retention. */
  private readonly abortClaims = new AbortController();
  private readonly abortRetention = new AbortController();
  private stopping = false;
  private localArrived = false;
  private claimLoop: Promise<void> = Promise.resolve();
  /** The claim being waited for, and how to give up on it. */
  private claimInFlight: { abandon: AbortController } | null = null;
  private stepLoop: Promise<void> = Promise.resolve();
  private retentionLoop: Promise<void> = Promise.resolve();
  /** Background (persistLater) commits, chained so they land in order. */
  private background: Promise<void> = Promise.resolve();
  /**
   * False from the moment a claim or commit fails until one succeeds again. The lease
   * renewal is the other half of readiness: it notices an outage even when nothing else runs.
   */
  private dataApiReachable = true;
  private failure: Error | null = null;
  /** Recovered, and the recovery's own writes committed: from then on readiness is live. */
  private started = false;
  private startSettled = false;
  private firstRecovery: { resolve: () => void; reject: (err: Error) => void } | null = null;
  readonly stats = { laterCommits: 0 };

  constructor(private readonly o: RoleHostOptions<S, C>) {
    this.now = o.now ?? (() => performance.now());
    const { logger, metrics } = o;
    this.core = new ShellCore<S, C>({
      processId: o.processId,
      role: o.role,
      config: o.config,
      claimBatch: o.claimBatch,
      maxAttempts: o.maxAttempts,
      maxStepInputBytes: o.maxStepInputBytes,
      ackDelayMs: o.ackDelayMs,
      commitBodyBytesMax: o.commitBodyBytesMax,
      coalesceLocal: o.coalesceLocal,
      newId: randomUUID,
      observer: {
        deadLettered: (id, reason, detail) => {
          metrics.deadLetters.inc({ reason });
          logger.warn({ id, reason, detail }, 'dead-lettered a message');
        },
        droppedLocal: (message, reason, detail) =>
          logger.warn(
            { type: message.type, reason, detail },
            'dropped a local message its step failed on',
          ),
        tooLarge: (detail) =>
          logger.error({ detail }, 'a write over the limits: a bug the limits should rule out'),
        isolating: (inputs, detail) =>
          logger.warn(
            { inputs, detail },
            'a step failed: recovering the role and stepping its inputs one at a time',
          ),
        recovered: (durableEntries) =>
          logger.info(
            { epoch: this.core.currentEpoch, durableEntries },
            'recovered from durable state',
          ),
        note: (note) => {
          metrics.ignored.inc({ reason: noteReason(note) });
          logger.debug({ note }, 'role note');
        },
        messageIn: (type) => metrics.messagesIn.inc({ type }),
        messageOut: (type) => metrics.messagesOut.inc({ type }),
      },
    });
    this.lease = new EpochLease({
      queue: o.queue,
      processId: o.processId,
      holder: o.holder ?? randomUUID(),
      leaseMs: o.epochLeaseMs,
      logger: o.logger,
      now: this.now,
      onReconnected: () => this.abandonStaleClaim(),
    });
  }

  /**
   * The data API answers again after an outage. The long poll in flight was sent during or
   * before it and may sit on a connection that died without a word (a network partition
   * leaves no FIN or RST): it would hold this role deaf until its own timeout, the poll's wait
   * plus the attempt timeout (30 s by default). It is abandoned and sent again at once. Rows
   * the abandoned poll may have claimed come back to the queue when their lease runs out.
   */
  private abandonStaleClaim(): void {
    const claim = this.claimInFlight;
    if (!claim) return;
    this.o.logger.info('data API back: abandoning the long poll sent before');
    claim.abandon.abort();
  }

  get isReady(): boolean {
    return (
      this.started &&
      !this.stopping &&
      this.failure === null &&
      this.lease.healthy &&
      this.dataApiReachable
    );
  }

  get currentState(): S | undefined {
    return this.core.currentState;
  }

  /** The role has been recovered from durable state once (it may not be ready right now). */
  get isRecovered(): boolean {
    return this.core.recovered;
  }

  describeHost(): object {
    return {
      processId: this.o.processId,
      epoch: this.core.currentEpoch,
      inbox: this.core.inboxSize,
      ready: this.isReady,
      leaseHealthy: this.lease.healthy,
      ...this.core.stats,
      ...this.stats,
    };
  }

  /**
   * Claims the epoch (waiting while another process holds the lease), takes back the leases of
   * earlier incarnations and recovers the role. Transient data-API failures are retried; the
   * promise rejects with ShellFatalError for anything else (exitCode 3: corrupt state).
   */
  async start(): Promise<void> {
    const { queue, processId } = this.o;
    const recovered = new Promise<void>((resolve, reject) => {
      this.firstRecovery = { resolve, reject };
    });
    recovered.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    try {
      const epoch = await this.lease.acquire(this.abortClaims.signal);
      if (epoch === 0 || this.stopping) return; // stopped while waiting
      this.owner = leaseOwnerOf(processId, epoch);
      this.o.metrics.epoch.set(epoch);
      this.lease.startRenewing((err) => this.fail(err));
      const reclaimed = await this.call('reclaim', () => queue.reclaim(processId, this.owner));
      if (this.failure !== null) throw this.failure;
      this.o.logger.info({ epoch, reclaimed }, 'holding the epoch; recovering');
      this.core.begin(epoch);
      this.stepLoop = this.runSteps();
      await recovered;
    } catch (err) {
      this.startSettled = true;
      this.lease.abandon();
      if (err instanceof StopRequested) return;
      throw err;
    }
    this.startSettled = true;
    if (this.stopping) return;
    this.claimLoop = this.runClaims();
    this.retentionLoop = runRetention(
      queue,
      this.o.retention,
      this.o.metrics,
      this.o.logger,
      this.abortRetention.signal,
    );
  }

  /** Hands a message to the role from this process (e.g. a client request over HTTP). */
  submit(message: Message): void {
    if (this.stopping) return;
    this.core.submit(message);
    this.localArrived = true;
    this.wake.notify();
  }

  /** Finishes the step in flight, acks what was handled, hands the rest back, and stops. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abortClaims.abort();
    this.abortRetention.abort();
    this.inboxSpace.notify();
    await this.claimLoop;
    if (this.core.currentEpoch !== 0 && this.failure === null) {
      this.core.stop();
      this.wake.notify();
    }
    await this.stepLoop;
    await this.background;
    await this.retentionLoop;
    if (this.failure === null) await this.lease.release();
    else this.lease.abandon();
  }

  /** A fatal error: before start() resolves it rejects start(); after, it goes to onFatal. */
  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.lease.abandon();
    this.abortClaims.abort();
    this.abortRetention.abort();
    this.wake.notify();
    if (!this.startSettled) this.firstRecovery?.reject(err);
    else this.o.onFatal(err);
  }

  /** The first recovery and its writes are done: start() resolves, readiness goes live. */
  private noteStarted(): void {
    if (this.started || !this.core.recovered || this.core.busy) return;
    this.started = true;
    this.firstRecovery?.resolve();
  }

  private async runClaims(): Promise<void> {
    let failures = 0;
    while (!this.stopping && this.failure === null) {
      if (this.core.inboxSize >= this.o.claimBatch) {
        await this.inboxSpace.wait(null);
        continue;
      }
      const started = this.now();
      const abandon = new AbortController();
      this.claimInFlight = { abandon };
      try {
        const rows = await this.o.queue.claim({
          dst: this.o.processId,
          owner: this.owner,
          limit: this.o.claimBatch - this.core.inboxSize,
          leaseMs: this.o.leaseMs,
          signal: AbortSignal.any([this.abortClaims.signal, abandon.signal]),
        });
        failures = 0;
        this.dataApiReachable = true;
        if (rows.length > 0 && this.failure === null) {
          this.o.metrics.claimSeconds.observe((this.now() - started) / 1000);
          this.core.receive(rows);
          this.o.metrics.inboxDepth.set(this.core.inboxSize);
          this.wake.notify();
        }
      } catch (err) {
        if (this.stopping || this.failure !== null) break;
        if (abandon.signal.aborted && !this.abortClaims.signal.aborted) continue;
        if (classifyFailure(err) !== 'transient') {
          this.fail(new ShellFatalError(`claiming messages: ${describeError(err)}`));
          break;
        }
        failures += 1;
        this.dataApiReachable = false;
        this.o.logger.warn({ err: describeError(err), failures }, 'claim failed; retrying');
        await sleepMs(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)), this.abortClaims.signal);
      } finally {
        this.claimInFlight = null;
      }
    }
  }

  private async runSteps(): Promise<void> {
    try {
      while (this.failure === null) {
        if (this.localArrived) {
          // Client requests arrive one HTTP callback at a time; letting the other callbacks of
          // this I/O phase run first turns a burst of them into one step and one batch.
          this.localArrived = false;
          await new Promise<void>((r) => setImmediate(r));
        }
        const stepsBefore = this.core.stats.steps;
        const startedAt = this.now();
        const action = this.core.next(startedAt);
        if (this.core.stats.steps !== stepsBefore) {
          this.o.metrics.stepSeconds.observe((this.now() - startedAt) / 1000);
        }
        this.o.metrics.inboxDepth.set(this.core.inboxSize);
        if (this.core.inboxSize < this.o.claimBatch) this.inboxSpace.notify();
        if (action === null) {
          this.noteStarted();
          if (this.core.finished) return;
          const at = this.core.wakeAt();
          await this.wake.wait(at === null ? null : Math.max(0, at - this.now()));
          continue;
        }
        await this.perform(action);
        this.noteStarted();
      }
    } catch (err) {
      if (err instanceof StopRequested) {
        this.firstRecovery?.reject(err);
        return;
      }
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async perform(action: ShellAction): Promise<void> {
    const { queue, processId } = this.o;
    let outcome: ShellOutcome = { kind: 'done' };
    switch (action.kind) {
      case 'load-durable': {
        // Recovery must see every write handed out so far, the background ones included.
        await this.background;
        const durable = await this.call('load durable state', () => queue.loadDurable(processId));
        outcome = { kind: 'loaded', durable };
        break;
      }
      case 'commit':
        if (action.background) this.commitInBackground(action.commit);
        else outcome = await this.commit(action.commit);
        break;
      case 'dead-letter':
        await this.call('dead-letter', () =>
          queue.deadLetter(this.owner, action.id, `${action.reason}: ${action.detail}`),
        );
        break;
      case 'release':
        await this.call('release', () => queue.release(this.owner, action.ids));
        break;
      case 'deliver':
        for (const e of action.envelopes) this.deliver(e);
        // After the commit: an event names a change that is now durable and sent.
        for (const event of action.events) this.o.logger.info({ event }, 'role event');
        break;
    }
    this.core.settle(outcome, this.now());
  }

  private deliver(e: Envelope): void {
    try {
      this.o.onLocalMessage?.(e);
    } catch (err) {
      this.o.logger.error(
        { err: describeError(err), type: e.message.type },
        'local delivery threw',
      );
    }
  }

  /**
   * One step commit, retried while the failure is transient (the same commit: same ids, same
   * writeSeq, so a retry is harmless). A content refusal (400/413/422) is the core's to handle;
   * a configuration error is fatal.
   */
  private async commit(planned: PlannedCommit): Promise<ShellOutcome> {
    const c: StepCommit = {
      processId: this.o.processId,
      epoch: this.core.currentEpoch,
      writeSeq: planned.writeSeq,
      acks: planned.acks,
      puts: planned.puts,
      truncateBelow: planned.truncateBelow,
      sends: planned.sends,
    };
    const timer = this.o.metrics.commitSeconds.startTimer();
    for (let attempt = 1; ; attempt++) {
      try {
        const { fenced } = await this.o.queue.stepCommit(c);
        this.dataApiReachable = true;
        timer();
        // step_commit's `fenced` is true when the fence held (this epoch is current).
        return fenced ? { kind: 'committed' } : { kind: 'fenced' };
      } catch (err) {
        const kind = classifyFailure(err);
        if (kind === 'content') {
          this.o.logger.error(
            {
              err: describeError(err),
              writeSeq: c.writeSeq,
              bodyBytes: planned.bodyBytes,
              puts: c.puts.map((p) => p.key),
              sends: planned.sendTypes,
              acks: c.acks.length,
            },
            'the data API refused a step commit',
          );
          return { kind: 'refused', detail: describeError(err) };
        }
        if (kind === 'configuration') {
          throw new ShellFatalError(`step commit: ${describeError(err)}`);
        }
        this.dataApiReachable = false;
        this.o.metrics.commitRetries.inc();
        this.o.logger.warn({ err: describeError(err), attempt }, 'step commit failed; retrying');
        await sleepMs(Math.min(5_000, 50 * 2 ** Math.min(attempt, 7)));
      }
    }
  }

  /**
   * persistLater writes (a replica's snapshot): committed after the step that produced them,
   * in order, while later steps go on. A refusal here cannot be pinned on a message: fatal.
   */
  private commitInBackground(planned: PlannedCommit): void {
    this.background = this.background.then(async () => {
      if (this.failure !== null) return;
      try {
        const outcome = await this.commit(planned);
        if (outcome.kind === 'fenced') {
          throw new ShellFatalError(
            `fenced: a newer incarnation of ${this.o.processId} holds a later epoch than ${this.core.currentEpoch}`,
          );
        }
        if (outcome.kind === 'refused') {
          throw new ShellFatalError(
            `the data API refused a background commit (writeSeq ${planned.writeSeq}): ${outcome.detail}`,
          );
        }
        this.stats.laterCommits += 1;
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /**
   * A data-API call other than a commit: transient failures are retried until it succeeds (the
   * role's state has moved on in memory, so giving up is no option); anything else is fatal.
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // Before recovery nothing is held that a stop must finish: give up at once.
      if (this.stopping && !this.core.recovered) throw new StopRequested();
      try {
        const r = await fn();
        this.dataApiReachable = true;
        return r;
      } catch (err) {
        if (classifyFailure(err) !== 'transient') {
          throw new ShellFatalError(`${what}: ${describeError(err)}`);
        }
        this.dataApiReachable = false;
        this.o.logger.warn(
          { err: describeError(err), attempt },
          this.core.recovered ? `${what} failed; retrying` : 'data API not reachable yet; retrying',
        );
        const signal = this.core.recovered ? undefined : this.abortClaims.signal;
        await sleepMs(Math.min(5_000, 50 * 2 ** Math.min(attempt, 7)), signal);
      }
    }
  }
}

/** stop() came while start() was still waiting for the data API. */
class StopRequested extends Error {
  constructor() {
    super('stopped before recovery');
    this.name = 'StopRequested';
  }
}
