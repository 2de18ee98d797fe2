import {
  commandKey,
  sessionIdOf,
  type Envelope,
  type OpResult,
  type Response,
} from '@paxos/shared';
import type { DecisionLedger } from './decision-ledger';
import type { FirstOccurrences } from './first-occurrences';
import { violated } from './violation';

/** How a command ran: where, with what outcome, and which replica said so first. */
export interface RanOutcome {
  slot: number;
  result: OpResult;
  replicaId: string;
}

/** An answer that says the command did not run (and is not remembered): a 410. */
export const isRefusalToRun = (result: OpResult): boolean =>
  result.refused === 'session-unknown' || result.refused === 'request-too-old';

export const sameResult = (a: OpResult, b: OpResult): boolean =>
  a.ok === b.ok && a.value === b.value && a.refused === b.refused;

/**
 * At most once, across all replicas, judged from the decided log (issue 17, point 4). A replica
 * answers every command it runs, in the step that runs it (a kv-quota refusal included: it was
 * decided and is remembered); every such answer must name the slot where the command was FIRST
 * decided, and every replica must report the same outcome there. A command that ran at any other
 * slot ran late or twice: a retry that outlived its answer, a reused request number, a session
 * table that forgot. Registrations must create the session their slot and position say.
 *
 * The first outcome heard for each command is kept: the replay model (replica-checker.ts)
 * applies exactly those commands, so each replica's store is checked against the log as the
 * replicas agreed to run it.
 */
export class AtMostOnceChecker {
  private readonly ran = new Map<string, RanOutcome>();

  constructor(
    private readonly ledger: DecisionLedger,
    private readonly firsts: FirstOccurrences,
  ) {}

  /** How `key` ran, if any replica has said it ran. */
  ranOutcome(key: string): RanOutcome | undefined {
    return this.ran.get(key);
  }

  onReplicaSends(replicaId: string, sends: readonly Envelope[]): void {
    for (const { message } of sends) {
      // Reads without a slot are in no slot: the linearizability checker judges them.
      if (message.type !== 'response' || message.read !== undefined) continue;
      if (message.sessionId === 0) this.onRegistrationAnswer(replicaId, message);
      else if (!isRefusalToRun(message.result)) this.onRan(replicaId, message);
    }
  }

  private onRan(replicaId: string, answer: Response): void {
    const key = commandKey(answer);
    this.readThrough(replicaId, answer);
    const first = this.firsts.of(key);
    if (first === undefined) {
      violated(
        'at-most-once',
        `${replicaId} says ${key} ran at slot ${answer.slot}, but no decided slot up to it holds ${key}`,
      );
    }
    if (first.slot !== answer.slot) {
      violated(
        'at-most-once',
        `${key} was first decided at slot ${first.slot}, yet ${replicaId} ran it at slot ` +
          `${answer.slot}: a command runs where it is first decided, or never`,
      );
    }
    const known = this.ran.get(key);
    if (known === undefined) {
      this.ran.set(key, { slot: answer.slot, result: answer.result, replicaId });
      return;
    }
    if (!sameResult(known.result, answer.result)) {
      violated(
        'at-most-once',
        `${key} at slot ${answer.slot} ran with ${JSON.stringify(known.result)} at ` +
          `${known.replicaId} and with ${JSON.stringify(answer.result)} at ${replicaId}`,
      );
    }
  }

  /** A registration decided at (slot, position) creates session sessionIdOf(slot, position). */
  private onRegistrationAnswer(replicaId: string, answer: Response): void {
    this.readThrough(replicaId, answer);
    const batch = this.ledger.get(answer.slot);
    const position = (batch?.commands ?? []).findIndex(
      (c) => c.sessionId === 0 && c.requestId === answer.requestId && c.op.kind === 'register',
    );
    if (position < 0) {
      violated(
        'at-most-once',
        `${replicaId} answered registration ${answer.requestId} from slot ${answer.slot}, ` +
          `which holds no such registration`,
      );
    }
    const expected = sessionIdOf(answer.slot, position);
    if (answer.result.sessionId !== expected) {
      violated(
        'at-most-once',
        `${replicaId} answered registration ${answer.requestId} (slot ${answer.slot}, ` +
          `position ${position}) with session ${String(answer.result.sessionId)}, not ${expected}`,
      );
    }
  }

  /** A replica answers only from slots it applied, and it applied only decided slots. */
  private readThrough(replicaId: string, answer: Response): void {
    if (!this.firsts.readThrough(answer.slot)) {
      violated(
        'R2',
        `${replicaId} answered ${commandKey(answer)} from slot ${answer.slot}, but not every ` +
          `slot up to it is known to be decided`,
      );
    }
  }
}
