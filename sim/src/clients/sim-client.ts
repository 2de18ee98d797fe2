import {
  clientDestination,
  opDigest,
  type ClientCommand,
  type KeyOp,
  type RegisterCommand,
  type Response,
} from '@paxos/shared';
import type { Prng } from '../random/prng';
import { admitCommand } from './client-boundary';
import type { ClientOperation } from './client-operation';
import {
  emptyStep,
  type ClientStep,
  type ClientTimer,
  type ClientTimingConfig,
  type SimClientConfig,
} from './client-step';
import { ProbeBook, type Probe } from './probes';
import { hostileOp, randomOp } from './workload';

/** A hopping client uses each session for this many operations, drawn anew for each. */
const OPS_PER_HOPPED_SESSION_MAX = 4;
const REUSE_PROBE_CHANCE = 0.25;
const LATE_RETRY_CHANCE = 0.2;

/**
 * A closed-loop client with a session (Raft dissertation 6.3), as the HTTP contract has it:
 * it registers first (a `register` command under session 0 and a random request number, which
 * is how answers to registering clients find their way back), learns its session id from the
 * answer, then numbers its commands 1, 2, 3 ... and resends a command without an answer after
 * `retryTimeoutMs` under the same number, to a random replica: the cluster must run it once
 * however many copies it sees. A registration without an answer is sent again under a new
 * random number, like a new POST /sessions. A 410 session-unknown means the session is gone:
 * the client registers anew for its next operation and never resubmits the refused one.
 *
 * Adversarial behaviours (client-behaviour.ts) add hostile operations, which the client API
 * boundary must refuse before anything is sent, and probes (probes.ts) that reuse or retry old
 * request numbers. The client is not a Role: it lives in the simulator and never crashes; its
 * history is the ground truth the checkers judge.
 */
export class SimClient {
  readonly history: ClientOperation[] = [];
  readonly probes: ProbeBook;
  private session: number | null = null;
  /** Every session this client was given and every registration number it sent. */
  private readonly sessions = new Set<number>();
  private readonly registrations = new Set<number>();
  /** The numbers sent by the registration now open (an answer to any of them will do). */
  private readonly openRegistrations = new Set<number>();
  private nextRequestId = 1;
  private opsLeftInSession = Infinity;
  private outstanding: ClientOperation | null = null;
  /** Bumped by every send of the registration or the outstanding command: stale retry timers see it. */
  private attempt = 0;
  private issued = 0;

  constructor(
    readonly config: SimClientConfig,
    private readonly rng: Prng,
  ) {
    this.probes = new ProbeBook(config.id);
  }

  get id(): string {
    return this.config.id;
  }

  get finished(): boolean {
    return this.issued >= this.config.opsToIssue && this.outstanding === null && !this.registering;
  }

  /** A registration is out and no answer to it has come yet. */
  get registering(): boolean {
    return this.openRegistrations.size > 0;
  }

  /** Waiting for an answer (to a registration or a command) rather than stuck. */
  get waiting(): boolean {
    return this.outstanding !== null || this.registering;
  }

  get sessionsRegistered(): number {
    return this.sessions.size;
  }

  /** Is an answer for (sessionId, requestId) this client's? Registrations go by their number. */
  owns(sessionId: number, requestId: number): boolean {
    return sessionId === 0 ? this.registrations.has(requestId) : this.sessions.has(sessionId);
  }

  onTimer(nowMs: number, timer: ClientTimer): ClientStep {
    const step = emptyStep();
    switch (timer.kind) {
      case 'issue':
        this.issueNext(nowMs, step);
        break;
      case 'retry':
        if (timer.attempt !== this.attempt) break;
        if (this.registering) this.register(nowMs, step);
        else if (this.outstanding !== null) this.sendOutstanding(nowMs, step);
        break;
      case 'probe':
        this.probes.resend(nowMs, timer, this.config, this.rng, step);
        break;
    }
    return step;
  }

  /**
   * An answer arrived. Only the first answer to the outstanding command completes it; later
   * copies and answers to older numbers go to the probes, or change nothing here (the answer
   * checker compares every answer for a request number).
   */
  onResponse(nowMs: number, response: Response): ClientStep {
    const step = emptyStep();
    if (response.sessionId === 0) {
      this.onRegistered(nowMs, response, step);
      return step;
    }
    const op = this.outstanding;
    if (op !== null && op.sessionId === response.sessionId && op.requestId === response.requestId) {
      this.complete(nowMs, op, response, step);
    } else {
      this.probes.onAnswer(response, step);
    }
    return step;
  }

  private issueNext(nowMs: number, step: ClientStep): void {
    if (this.waiting || this.issued >= this.config.opsToIssue) return;
    if (this.session === null) return this.register(nowMs, step);
    const { op, hostile } = this.nextOp();
    const operation: ClientOperation = {
      clientId: this.id,
      sessionId: this.session,
      requestId: this.nextRequestId,
      input: op,
      call: nowMs,
      outcome: null,
      output: null,
      return: null,
      attempts: 0,
      refusal: null,
    };
    this.issued++;
    this.history.push(operation);
    const admission = this.config.checksInput
      ? admitCommand({ sessionId: operation.sessionId, requestId: operation.requestId, op })
      : { admitted: true as const };
    if (!admission.admitted) {
      operation.outcome = admission.status === 400 ? 'invalid' : 'too-large';
      operation.refusal = `${admission.status} ${admission.code}: ${admission.error}`;
      operation.return = nowMs;
      operation.sessionId = 0;
      operation.requestId = 0;
      step.notes.push(
        `${this.id} ${hostile ?? 'operation'} refused at the boundary: ${operation.refusal}`,
      );
      return this.scheduleNext(nowMs, step);
    }
    this.nextRequestId++;
    this.outstanding = operation;
    this.sendOutstanding(nowMs, step);
  }

  private nextOp(): { op: KeyOp; hostile: string | null } {
    const { keyCount, index, behaviour } = this.config;
    if (behaviour.hostileInput) return hostileOp(this.rng, keyCount, index, this.issued);
    return { op: randomOp(this.rng, keyCount, index, this.issued), hostile: null };
  }

  private register(nowMs: number, step: ClientStep): void {
    const requestId = randomRequestNumber(this.rng);
    this.registrations.add(requestId);
    this.openRegistrations.add(requestId);
    const command: RegisterCommand = { sessionId: 0, requestId, op: { kind: 'register' } };
    this.attempt++;
    step.sends.push({
      to: this.rng.pick(this.config.replicas),
      message: { type: 'request', from: clientDestination(0), commands: [command] },
    });
    step.timers.push({
      atMs: nowMs + this.config.timing.retryTimeoutMs,
      timer: { kind: 'retry', attempt: this.attempt },
    });
  }

  private onRegistered(nowMs: number, response: Response, step: ClientStep): void {
    const sessionId = response.result.sessionId;
    // A late or duplicated answer to an earlier registration: that session is never used again
    // (it is evicted in time), since its request numbers may have been used already.
    if (!this.openRegistrations.has(response.requestId) || sessionId === undefined) return;
    if (this.sessions.has(sessionId)) return;
    this.openRegistrations.clear();
    this.attempt++;
    this.session = sessionId;
    this.sessions.add(sessionId);
    this.nextRequestId = 1;
    this.opsLeftInSession = this.config.behaviour.hopsSessions
      ? this.rng.intBetween(1, OPS_PER_HOPPED_SESSION_MAX)
      : Infinity;
    step.notes.push(`${this.id} registered session ${sessionId}`);
    this.issueNext(nowMs, step);
  }

  private sendOutstanding(nowMs: number, step: ClientStep): void {
    const op = this.outstanding;
    if (op === null) return;
    op.attempts++;
    this.attempt++;
    const command = {
      sessionId: op.sessionId,
      requestId: op.requestId,
      op: op.input,
    } as ClientCommand;
    step.sends.push({
      to: this.rng.pick(this.config.replicas),
      message: { type: 'request', from: clientDestination(op.sessionId), commands: [command] },
    });
    step.timers.push({
      atMs: nowMs + this.config.timing.retryTimeoutMs,
      timer: { kind: 'retry', attempt: this.attempt },
    });
  }

  /**
   * The outstanding command's answer. One whose digest is not this operation's says the number
   * already ran another operation: a 409, never this operation's result.
   */
  private complete(nowMs: number, op: ClientOperation, response: Response, step: ClientStep): void {
    const refused = response.result.refused;
    if (refused === 'session-unknown' || refused === 'request-too-old') {
      op.outcome = 'unknown';
      op.refusal = `410 ${refused}`;
      if (refused === 'session-unknown' && this.session === op.sessionId) this.session = null;
    } else if (response.opDigest !== opDigest(op.input)) {
      op.outcome = 'conflict';
      op.refusal = `409 request-id-conflict: the number ran the operation ${response.opDigest}`;
    } else if (refused === 'kv-quota-exceeded') {
      op.outcome = 'quota';
      op.refusal = '413 kv-quota-exceeded';
    } else {
      op.outcome = 'ok';
      op.output = response.result;
    }
    op.return = nowMs;
    this.outstanding = null;
    this.attempt++;
    if (op.refusal !== null)
      step.notes.push(`${this.id} ${op.sessionId}:${op.requestId} ${op.refusal}`);
    if (op.outcome === 'ok' || op.outcome === 'quota') this.probes.remember(op);
    if (this.config.behaviour.hopsSessions && this.session !== null) {
      this.opsLeftInSession--;
      if (this.opsLeftInSession <= 0) this.session = null;
    }
    this.maybeProbe(nowMs, step);
    this.scheduleNext(nowMs, step);
  }

  private maybeProbe(nowMs: number, step: ClientStep): void {
    const { behaviour } = this.config;
    if (behaviour.reusesNumbers && this.rng.chance(REUSE_PROBE_CHANCE)) {
      this.probes.startReuse(nowMs, this.config, this.rng, step);
    }
    if (behaviour.retriesLate && this.rng.chance(LATE_RETRY_CHANCE)) {
      this.probes.startLateRetry(nowMs, this.config, this.rng, step);
    }
  }

  private scheduleNext(nowMs: number, step: ClientStep): void {
    if (this.issued >= this.config.opsToIssue) return;
    const thinkMs = this.rng.intBetween(0, this.config.timing.thinkTimeMaxMs);
    step.timers.push({ atMs: nowMs + thinkMs, timer: { kind: 'issue' } });
  }
}

/**
 * A registration's number, like the one the HTTP shell picks at random for POST /sessions:
 * uniform in [1, 2^53), so two registrations of one run practically never share one.
 */
export function randomRequestNumber(rng: Prng): number {
  const high = rng.nextUint32() % 0x200000;
  return high * 0x100000000 + rng.nextUint32() || 1;
}

export type { ClientStep, ClientTimer, ClientTimingConfig, Probe, SimClientConfig };
