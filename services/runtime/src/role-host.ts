import {
  StepCollector,
  parseMessage,
  type Cluster,
  type Envelope,
  type Message,
  type PersistOp,
  type Role,
  type StepResult,
} from '@paxos/shared';
import type { Logger } from './logger';
import { noteReason, type ServiceMetrics } from './metrics';
import {
  toDurableWrites,
  type ClaimedMessage,
  type QueuePort,
  type StepCommit,
} from './queue-port';
import { Wakeup, sleep } from './wakeup';

/** About 1/8 of the local server's default 1 MiB body limit. */
export const DEFAULT_MAX_STEP_INPUT_BYTES = 128 * 1024;
export const DEFAULT_ACK_DELAY_MS = 1_000;
/** Half the local server's default 1 MiB body limit, leaving room for JSON escaping. */
export const DEFAULT_MAX_COMMIT_BYTES = 512 * 1024;

/** Splits sends into runs whose payloads stay under `maxBytes` (always at least one run). */
export function chunkByBytes<T extends { payload: string }>(items: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [[]];
  let bytes = 0;
  for (const item of items) {
    const current = chunks[chunks.length - 1]!;
    if (current.length > 0 && bytes + item.payload.length > maxBytes) {
      chunks.push([item]);
      bytes = item.payload.length;
    } else {
      current.push(item);
      bytes += item.payload.length;
    }
  }
  return chunks;
}

export interface RoleHostOptions<S, C> {
  processId: string;
  cluster: Cluster;
  role: Role<S, C>;
  config: C;
  queue: QueuePort;
  logger: Logger;
  metrics: ServiceMetrics;
  leaseMs: number;
  /** At most this many messages are leased ahead and handled in one step. */
  claimBatch: number;
  /** A message claimed more often than this is a poison message: dead-lettered, not retried. */
  maxAttempts: number;
  /**
   * A step stops taking claimed messages once their payloads add up to this, so the step
   * commit (whose sends are a few times the input) stays well inside the data API's body limit.
   */
  maxStepInputBytes?: number;
  /** A step commit larger than this is split (see commit()). */
  maxCommitBytes?: number;
  /** How long an ack with nothing else to commit may wait to ride along with a later commit. */
  ackDelayMs?: number;
  /** Messages for destinations outside the cluster (clients): delivered here after the commit. */
  onLocalMessage?: (envelope: Envelope) => void;
  /** A fatal condition (fenced by a newer incarnation, a broken invariant): the service exits. */
  onFatal: (err: Error) => void;
  now?: () => number;
}

/**
 * Runs one pure role against the durable queue: lease messages, `step`, then commit the
 * acks, the persist ops and the sends in ONE atomic step commit, and only then release
 * anything to local clients. A crash at any instant leaves the commit whole or absent;
 * unacked messages come back (to the next incarnation at once, via reclaim).
 */
export class RoleHost<S, C> {
  private state!: S;
  private epoch = 0;
  private owner = '';
  private inbox: ClaimedMessage[] = [];
  /** Acks of steps that had nothing else to commit; they ride along with the next commit. */
  private pendingAcks: string[] = [];
  private ackFlushAt: number | null = null;
  private localInbox: Message[] = [];
  private readonly wake = new Wakeup();
  private readonly inboxSpace = new Wakeup();
  private readonly abort = new AbortController();
  private stopping = false;
  private loops: Promise<void>[] = [];
  /**
   * False from the moment a data-API call fails until one succeeds again. (Not "a call
   * succeeded recently": an idle consumer's long polls end empty inside the waiter and
   * report nothing, and idleness is not a reason to refuse clients.)
   */
  private dataApiReachable = false;
  private started = false;
  /** The commits of `persistLater` writes, chained so they land in order (see commitLater). */
  private later: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  readonly stats = { steps: 0, commits: 0, laterCommits: 0, messagesHandled: 0, deadLetters: 0 };

  constructor(private readonly o: RoleHostOptions<S, C>) {
    this.now = o.now ?? (() => performance.now());
  }

  get isReady(): boolean {
    return this.started && !this.stopping && this.dataApiReachable;
  }

  get currentState(): S {
    return this.state;
  }

  describeHost(): object {
    return {
      processId: this.o.processId,
      epoch: this.epoch,
      inbox: this.inbox.length,
      ready: this.isReady,
      ...this.stats,
    };
  }

  async start(): Promise<void> {
    const { queue, processId } = this.o;
    this.epoch = await queue.claimEpoch(processId);
    this.owner = `${processId}#${this.epoch}`;
    this.o.metrics.epoch.set(this.epoch);
    const reclaimed = await queue.reclaim(processId, this.owner);
    const durable = await queue.loadDurable(processId);
    this.dataApiReachable = true;
    this.o.logger.info(
      { epoch: this.epoch, reclaimed, durableEntries: durable.size },
      'recovered from durable state',
    );
    const recovered = this.o.role.recover(this.o.config, durable, this.now());
    this.state = recovered.state;
    await this.commit(recovered, []);
    this.logEvents(recovered.events ?? []);
    this.started = true;
    this.loops = [this.runClaims(), this.runSteps()];
  }

  /** Hands a message to the role from this process (e.g. a client request over HTTP). */
  submit(message: Message): void {
    this.localInbox.push(message);
    this.wake.notify();
  }

  /** Finishes the step in flight, hands leased messages back, and stops. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.wake.notify();
    this.inboxSpace.notify();
    await Promise.allSettled(this.loops);
    await this.later;
    const leftovers = this.inbox.map((m) => m.id);
    this.inbox = [];
    if (leftovers.length > 0 && this.owner) {
      await this.o.queue.release(this.owner, leftovers).catch(() => undefined);
    }
  }

  private async runClaims(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.inbox.length >= this.o.claimBatch) {
        await this.inboxSpace.wait(null);
        continue;
      }
      try {
        const started = this.now();
        const rows = await this.o.queue.claim({
          dst: this.o.processId,
          owner: this.owner,
          limit: this.o.claimBatch - this.inbox.length,
          leaseMs: this.o.leaseMs,
          signal: this.abort.signal,
        });
        failures = 0;
        this.dataApiReachable = true;
        if (rows.length > 0) {
          this.o.metrics.claimSeconds.observe((this.now() - started) / 1000);
          const held = new Set(this.inbox.map((m) => m.id));
          this.inbox.push(...rows.filter((r) => !held.has(r.id)).sort((a, b) => a.seq - b.seq));
          this.o.metrics.inboxDepth.set(this.inbox.length);
          this.wake.notify();
        }
      } catch (err) {
        if (this.stopping) break;
        failures += 1;
        this.dataApiReachable = false;
        this.o.logger.warn({ err: describeError(err), failures }, 'lease request failed; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private async runSteps(): Promise<void> {
    try {
      while (!this.stopping) {
        const now = this.now();
        const roleDeadline = this.o.role.nextDeadline(this.state);
        const hasInput = this.inbox.length > 0 || this.localInbox.length > 0;
        if (hasInput || (roleDeadline !== null && roleDeadline <= now)) {
          // Client requests arrive one HTTP callback at a time; letting the other callbacks of
          // this I/O phase run first turns a burst of them into one step and one batch.
          if (this.localInbox.length > 0) await new Promise<void>((r) => setImmediate(r));
          await this.stepOnce();
        } else if (this.ackFlushAt !== null && this.ackFlushAt <= now) {
          await this.commitOnce({
            acks: this.takePendingAcks(),
            puts: [],
            truncateBelow: 0,
            sends: [],
          });
        } else {
          const next = earliest(roleDeadline, this.ackFlushAt);
          await this.wake.wait(next === null ? null : next - now);
        }
      }
      if (this.pendingAcks.length > 0) {
        await this.commitOnce({
          acks: this.takePendingAcks(),
          puts: [],
          truncateBelow: 0,
          sends: [],
        });
      }
    } catch (err) {
      this.o.onFatal(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** A role's rare, operator-facing changes (a leader becoming active, say). */
  private logEvents(events: readonly string[]): void {
    for (const event of events) this.o.logger.info({ event }, 'role event');
  }

  private takePendingAcks(): string[] {
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    this.ackFlushAt = null;
    return acks;
  }

  private async stepOnce(): Promise<void> {
    const { role, metrics } = this.o;
    const claimed = this.takeStepInput();
    const local = coalesceRequests(this.localInbox.splice(0));
    metrics.inboxDepth.set(this.inbox.length);
    if (claimed.length > 0) this.inboxSpace.notify();
    const stepTimer = metrics.stepSeconds.startTimer();
    const acc = new StepCollector(this.state);
    const acks: string[] = [];
    for (const m of claimed) {
      const message = await this.admit(m);
      if (message === null) continue;
      acks.push(m.id);
      metrics.messagesIn.inc({ type: message.type });
      acc.add(role.step(acc.state, message, this.now()));
    }
    for (const message of local) acc.add(role.step(acc.state, message, this.now()));
    const deadline = role.nextDeadline(acc.state);
    if (deadline !== null && deadline <= this.now()) acc.add(role.tick(acc.state, this.now()));
    stepTimer();
    this.state = acc.state;
    this.stats.steps += 1;
    this.stats.messagesHandled += acks.length + local.length;
    for (const note of acc.notes) {
      metrics.ignored.inc({ reason: noteReason(note) });
      this.o.logger.debug({ note }, 'role note');
    }
    await this.commit(acc.result(), acks);
    // After the commit: an event names a change that is now durable and sent.
    this.logEvents(acc.events);
  }

  private takeStepInput(): ClaimedMessage[] {
    const budget = this.o.maxStepInputBytes ?? DEFAULT_MAX_STEP_INPUT_BYTES;
    let bytes = 0;
    let count = 0;
    while (count < this.inbox.length && count < this.o.claimBatch) {
      bytes += this.inbox[count]!.payload.length;
      count += 1;
      if (bytes >= budget) break;
    }
    return this.inbox.splice(0, count);
  }

  /** Validates a queued payload; an invalid or poison message goes to the dead letters. */
  private async admit(m: ClaimedMessage): Promise<Message | null> {
    let reason: string | null = null;
    let message: Message | null = null;
    if (m.attempts > this.o.maxAttempts) {
      reason = `claimed ${m.attempts} times without being acknowledged (poison message)`;
    } else {
      let json: unknown;
      try {
        json = JSON.parse(m.payload);
      } catch {
        reason = 'payload is not valid JSON';
      }
      if (reason === null) {
        const parsed = parseMessage(json);
        if (parsed.ok) message = parsed.message;
        else reason = `payload is not a valid message: ${parsed.reason}`;
      }
    }
    if (reason === null) return message;
    this.o.logger.warn({ id: m.id, reason }, 'dead-lettering message');
    this.o.metrics.deadLetters.inc();
    this.stats.deadLetters += 1;
    await this.withRetry('dead-letter', () => this.o.queue.deadLetter(this.owner, m.id, reason));
    return null;
  }

  /** Commits a step, then hands its `persistLater` writes to the background chain. */
  private async commit(result: StepResult<S>, acks: string[]): Promise<void> {
    await this.commitNow(result, acks);
    if (result.persistLater && result.persistLater.length > 0)
      this.commitLater(result.persistLater);
  }

  /**
   * `persistLater` writes (a replica's snapshot): committed after the step that produced them,
   * in order, while later steps go on. The step loop never waits for them; a failure is retried
   * like any commit, and fencing is as fatal here as anywhere.
   */
  private commitLater(ops: PersistOp[]): void {
    const { puts, truncateBelow } = toDurableWrites(ops);
    this.later = this.later
      .then(async () => {
        await this.commitOnce({ acks: [], puts, truncateBelow, sends: [] });
        this.stats.laterCommits += 1;
      })
      .catch((err: unknown) => this.o.onFatal(err instanceof Error ? err : new Error(String(err))));
  }

  /**
   * Commits a step's own writes. Usually one statement; a step whose sends are larger than
   * maxCommitBytes goes out in several, ordered so that the guarantees still hold: the
   * first carries the durable writes (so nothing is sent before the state it announces is
   * durable: persist before you reply), the last carries the acks (so a crash in between
   * re-delivers the inputs, and the role handles them again as duplicates).
   */
  private async commitNow(result: StepResult<S>, acks: string[]): Promise<void> {
    const members = clusterMembers(this.o.cluster);
    const remote = result.send.filter((e) => members.has(e.to));
    const local = result.send.filter((e) => !members.has(e.to));
    const { puts, truncateBelow } = toDurableWrites(result.persist);
    if (puts.length === 0 && truncateBelow === 0 && remote.length === 0) {
      // Nothing to persist or send (a p2b short of a majority, a duplicate): the ack can wait
      // for the next commit. Lost in a crash, it only means a redelivered duplicate.
      if (acks.length > 0) {
        this.pendingAcks.push(...acks);
        this.ackFlushAt ??= this.now() + (this.o.ackDelayMs ?? DEFAULT_ACK_DELAY_MS);
        if (this.pendingAcks.length >= this.o.claimBatch) this.ackFlushAt = this.now();
      }
      for (const e of local) this.o.onLocalMessage?.(e);
      return;
    }
    const allAcks = [...this.takePendingAcks(), ...acks];
    const sends = remote.map((e) => ({ dst: e.to, payload: JSON.stringify(e.message) }));
    const chunks = chunkByBytes(sends, this.o.maxCommitBytes ?? DEFAULT_MAX_COMMIT_BYTES);
    const timer = this.o.metrics.commitSeconds.startTimer();
    for (let i = 0; i < chunks.length; i++) {
      const first = i === 0;
      const last = i === chunks.length - 1;
      await this.commitOnce({
        acks: last ? allAcks : [],
        puts: first ? puts : [],
        truncateBelow: first ? truncateBelow : 0,
        sends: chunks[i]!,
      });
    }
    timer();
    for (const e of remote) this.o.metrics.messagesOut.inc({ type: e.message.type });
    for (const e of local) this.o.onLocalMessage?.(e);
  }

  private async commitOnce(
    c: Pick<StepCommit, 'acks' | 'puts' | 'truncateBelow' | 'sends'>,
  ): Promise<void> {
    const { fenced } = await this.withRetry('step commit', () =>
      this.o.queue.stepCommit({ processId: this.o.processId, epoch: this.epoch, ...c }),
    );
    if (!fenced) {
      throw new Error(
        `fenced: a newer incarnation of ${this.o.processId} holds a later epoch than ${this.epoch}`,
      );
    }
    this.stats.commits += 1;
  }

  /**
   * The data API being down is an expected condition: retry the same call (its ids make a
   * retry idempotent) until it succeeds. The role's state has already moved on in memory,
   * so giving up is not an option; a restart would also be correct, but slower.
   */
  private async withRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await call();
        this.dataApiReachable = true;
        return r;
      } catch (err) {
        if (!isRetryable(err)) throw err;
        this.dataApiReachable = false;
        this.o.metrics.commitRetries.inc();
        this.o.logger.warn({ err: describeError(err), attempt }, `${what} failed; retrying`);
        await sleep(Math.min(5_000, 50 * 2 ** Math.min(attempt, 7)));
      }
    }
  }
}

/**
 * Client requests that arrived together become one `request` message, so the replica
 * proposes them as one batch in one slot instead of one slot each.
 */
export function coalesceRequests(messages: Message[], maxCommands = 10_000): Message[] {
  const out: Message[] = [];
  let current: Extract<Message, { type: 'request' }> | null = null;
  for (const m of messages) {
    if (m.type !== 'request') {
      out.push(m);
      continue;
    }
    if (current && current.commands.length + m.commands.length <= maxCommands) {
      current.commands.push(...m.commands);
    } else {
      current = { ...m, commands: [...m.commands] };
      out.push(current);
    }
  }
  return out;
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

const memberCache = new WeakMap<Cluster, Set<string>>();
function clusterMembers(cluster: Cluster): Set<string> {
  let set = memberCache.get(cluster);
  if (!set) {
    set = new Set([...cluster.acceptors, ...cluster.leaders, ...cluster.replicas]);
    memberCache.set(cluster, set);
  }
  return set;
}

/** A 4xx from the data API is a bug in our request, not an outage: do not retry it. */
function isRetryable(err: unknown): boolean {
  const status = (err as { status?: number } | null)?.status;
  return !(typeof status === 'number' && status >= 400 && status < 500);
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
