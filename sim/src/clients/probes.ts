import {
  clientDestination,
  opDigest,
  type ClientCommand,
  type KeyOp,
  type Response,
} from '@paxos/shared';
import type { Prng } from '../random/prng';
import type { ClientOperation } from './client-operation';
import type { ClientStep, ClientTimer, SimClientConfig } from './client-step';

/**
 * A request a client sends outside its closed loop, to probe exactly-once:
 * - `reuse`: an answered request number sent again with ANOTHER operation. The answer must carry
 *   the digest of the operation that ran first (the client then sees a 409), or be a 410 if the
 *   answer is gone; the new operation must never run.
 * - `late`: an answered request sent again, same operation, long after (its session may be
 *   evicted, or its number below the session's floor). The answer must be the original one or a
 *   410; it must never run a second time.
 * The checkers judge every answer (answer-checker.ts, at-most-once-checker.ts); a probe only
 * records what came back, for the run's statistics.
 */
export interface Probe {
  id: number;
  kind: 'reuse' | 'late';
  sessionId: number;
  requestId: number;
  op: KeyOp;
  /** The digest of the operation that ran under this number first. */
  originalDigest: string;
  attempts: number;
  /** `ran-again`: an answer whose digest is neither the original's nor absent (a broken replica). */
  outcome: 'original' | 'refused' | 'ran-again' | null;
}

/** A probe is sent at most this many times (it has no liveness requirement). */
const PROBE_ATTEMPTS_MAX = 3;

interface Answered {
  sessionId: number;
  requestId: number;
  op: KeyOp;
}

export class ProbeBook {
  readonly all: Probe[] = [];
  /** Answered commands, oldest first: what probes may resend. */
  private readonly answered: Answered[] = [];

  constructor(private readonly clientId: string) {}

  /**
   * Reads are left out: they take no slot (docs/reads.md), so their request numbers are not
   * remembered, and a number reused after a read is a new command that may run.
   */
  remember(op: ClientOperation): void {
    if (op.input.kind === 'get') return;
    this.answered.push({ sessionId: op.sessionId, requestId: op.requestId, op: op.input });
  }

  startReuse(nowMs: number, config: SimClientConfig, rng: Prng, step: ClientStep): void {
    if (this.answered.length === 0) return;
    const original = rng.pick(this.answered);
    // A value no other operation writes: if the reused number ever ran it, reads would show it.
    const op: KeyOp = {
      kind: 'put',
      key: original.op.key,
      value: `c${config.index}.reused.${this.all.length}`,
    };
    this.start(nowMs, 'reuse', original, op, config, rng, step);
  }

  /** Retries one of the older half of the answered commands (the likelier to be evicted). */
  startLateRetry(nowMs: number, config: SimClientConfig, rng: Prng, step: ClientStep): void {
    if (this.answered.length === 0) return;
    const original = this.answered[rng.intBelow(Math.ceil(this.answered.length / 2))] as Answered;
    this.start(nowMs, 'late', original, original.op, config, rng, step);
  }

  resend(
    nowMs: number,
    timer: Extract<ClientTimer, { kind: 'probe' }>,
    config: SimClientConfig,
    rng: Prng,
    step: ClientStep,
  ): void {
    const probe = this.all[timer.probeId];
    if (probe === undefined || probe.outcome !== null || probe.attempts !== timer.attempt) return;
    if (probe.attempts >= PROBE_ATTEMPTS_MAX) return;
    this.send(nowMs, probe, config, rng, step);
  }

  /** An answer that is not the outstanding command's: the latest open probe on that number takes it. */
  onAnswer(response: Response, step: ClientStep): void {
    let probe: Probe | undefined;
    for (let i = this.all.length - 1; i >= 0 && probe === undefined; i--) {
      const p = this.all[i] as Probe;
      const same = p.sessionId === response.sessionId && p.requestId === response.requestId;
      if (same && p.outcome === null) probe = p;
    }
    if (probe === undefined) return;
    const refused = response.result.refused;
    if (refused === 'session-unknown' || refused === 'request-too-old') probe.outcome = 'refused';
    else if (response.opDigest === probe.originalDigest) probe.outcome = 'original';
    else probe.outcome = 'ran-again';
    step.notes.push(
      `${this.clientId} ${probe.kind} probe ${probe.sessionId}:${probe.requestId} answered: ` +
        `${probe.outcome}${refused === undefined ? '' : ` (${refused})`}`,
    );
  }

  count(outcome: Probe['outcome']): number {
    return this.all.filter((p) => p.outcome === outcome).length;
  }

  private start(
    nowMs: number,
    kind: Probe['kind'],
    original: Answered,
    op: KeyOp,
    config: SimClientConfig,
    rng: Prng,
    step: ClientStep,
  ): void {
    const probe: Probe = {
      id: this.all.length,
      kind,
      sessionId: original.sessionId,
      requestId: original.requestId,
      op,
      originalDigest: opDigest(original.op),
      attempts: 0,
      outcome: null,
    };
    this.all.push(probe);
    this.send(nowMs, probe, config, rng, step);
  }

  private send(
    nowMs: number,
    probe: Probe,
    config: SimClientConfig,
    rng: Prng,
    step: ClientStep,
  ): void {
    probe.attempts++;
    const command = {
      sessionId: probe.sessionId,
      requestId: probe.requestId,
      op: probe.op,
    } as ClientCommand;
    step.sends.push({
      to: rng.pick(config.replicas),
      message: { type: 'request', from: clientDestination(probe.sessionId), commands: [command] },
    });
    step.timers.push({
      atMs: nowMs + config.timing.retryTimeoutMs,
      timer: { kind: 'probe', probeId: probe.id, attempt: probe.attempts },
    });
  }
}
