import type { Command, Envelope, OpResult, Response } from '@paxos/shared';
import type { Prng } from '../random/prng';
import { randomOp } from './workload';

/** One operation as the client saw it (the linearizability checker's input shape). */
export interface ClientOperation {
  clientId: string;
  requestId: string;
  input: Command['op'];
  /** When the first attempt was sent. */
  call: number;
  /** The first reply's result, or null if none ever came. */
  output: OpResult | null;
  /** When the first reply arrived, or null. */
  return: number | null;
  attempts: number;
}

export interface ClientTimingConfig {
  retryTimeoutMs: number;
  thinkTimeMaxMs: number;
}

/** What the simulation should schedule for a client after it acted. */
export type ClientFollowUp =
  | { kind: 'retry-at'; atMs: number; requestId: string; attempt: number }
  | { kind: 'issue-at'; atMs: number }
  | { kind: 'done' };

/**
 * A closed-loop client: one operation at a time, sent to a random replica; without an answer
 * after `retryTimeoutMs` it resends the SAME command (same requestId) to a random replica, so
 * the cluster must answer it once however many copies it sees. It is not a Role: it lives in
 * the simulator and never crashes (its history is the ground truth the checkers judge).
 */
export class SimClient {
  readonly history: ClientOperation[] = [];
  private outstanding: ClientOperation | null = null;
  private issued = 0;

  constructor(
    readonly id: string,
    private readonly index: number,
    private readonly rng: Prng,
    private readonly replicas: readonly string[],
    private readonly opsToIssue: number,
    private readonly keyCount: number,
    private readonly timing: ClientTimingConfig,
  ) {}

  get finished(): boolean {
    return this.issued === this.opsToIssue && this.outstanding === null;
  }

  get answeredCount(): number {
    return this.history.filter((op) => op.output !== null).length;
  }

  get pendingRequestId(): string | null {
    return this.outstanding?.requestId ?? null;
  }

  /** Starts the next operation; returns the request to send and when to retry. */
  issue(nowMs: number): { send: Envelope; followUp: ClientFollowUp } | null {
    if (this.outstanding !== null || this.issued >= this.opsToIssue) return null;
    const requestId = `r${this.issued}`;
    const op: ClientOperation = {
      clientId: this.id,
      requestId,
      input: randomOp(this.rng, this.keyCount, this.index, this.issued),
      call: nowMs,
      output: null,
      return: null,
      attempts: 0,
    };
    this.issued++;
    this.history.push(op);
    this.outstanding = op;
    return this.attempt(op, nowMs);
  }

  /** A retry timer fired: resend if that attempt is still the latest and unanswered. */
  retry(
    nowMs: number,
    requestId: string,
    attempt: number,
  ): { send: Envelope; followUp: ClientFollowUp } | null {
    const op = this.outstanding;
    if (op === null || op.requestId !== requestId || op.attempts !== attempt) return null;
    return this.attempt(op, nowMs);
  }

  /**
   * A response arrived. Only the first answer to the outstanding request completes it; late
   * answers (to earlier requests, or duplicates) change nothing here: the answer checker
   * compares every answer for a request id against the first.
   */
  onResponse(nowMs: number, response: Response): ClientFollowUp | null {
    const op = this.outstanding;
    if (op === null || op.requestId !== response.requestId) return null;
    op.output = response.result;
    op.return = nowMs;
    this.outstanding = null;
    if (this.issued >= this.opsToIssue) return { kind: 'done' };
    return { kind: 'issue-at', atMs: nowMs + this.rng.intBetween(0, this.timing.thinkTimeMaxMs) };
  }

  private attempt(
    op: ClientOperation,
    nowMs: number,
  ): { send: Envelope; followUp: ClientFollowUp } {
    op.attempts++;
    const command: Command = { clientId: this.id, requestId: op.requestId, op: op.input };
    return {
      send: {
        to: this.rng.pick(this.replicas),
        message: { type: 'request', from: this.id, commands: [command] },
      },
      followUp: {
        kind: 'retry-at',
        atMs: nowMs + this.timing.retryTimeoutMs,
        requestId: op.requestId,
        attempt: op.attempts,
      },
    };
  }
}
