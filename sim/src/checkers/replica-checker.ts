import { commandKey, type Envelope } from '@paxos/shared';
import type { ReplicaView } from '../observe/views';
import type { DecisionLedger } from './decision-ledger';
import { ReplayModel } from './replay-model';
import { violated } from './violation';

/**
 * Follows one replica through its whole life, restarts included, and checks after each of
 * its steps: the decisions it holds agree globally (R1), slotOut never went back (R4), every
 * slot it applied was decided (R2), its proposals stay inside the window (R5), and what it
 * performed and answered matches replaying its decisions (R3, executed at most once). The
 * full store comparison (R3) runs every `fullCheckEverySteps` steps and at the end.
 */
export class ReplicaChecker {
  private readonly model = new ReplayModel();
  private highestSlotOut = 1;
  private stepsSinceFullCheck = 0;
  /** commandKey -> the slot of the first response this replica sent for it. */
  private readonly answeredAt = new Map<string, number>();

  constructor(
    readonly replicaId: string,
    private readonly windowSlots: number,
    private readonly ledger: DecisionLedger,
    private readonly fullCheckEverySteps: number,
  ) {}

  get modelSlotOut(): number {
    return this.model.slotOut;
  }

  /** The highest slotOut this replica reached; it survives crashes (replicas are durable). */
  get appliedSlotOut(): number {
    return this.highestSlotOut;
  }

  afterStep(view: ReplicaView, sends: readonly Envelope[]): void {
    for (const [slot, batch] of view.decisions) this.ledger.record(slot, batch, this.replicaId);
    if (view.slotOut < this.highestSlotOut) {
      violated(
        'R4',
        `${this.replicaId} slotOut went from ${this.highestSlotOut} back to ${view.slotOut}`,
      );
    }
    this.highestSlotOut = view.slotOut;
    this.replayUpTo(view);
    this.checkWindow(view, sends);
    this.checkAnswers(sends);
    if (++this.stepsSinceFullCheck >= this.fullCheckEverySteps) this.fullCheck(view);
  }

  /** R3 on the whole store, plus R1 on every decision it holds. */
  fullCheck(view: ReplicaView): void {
    this.stepsSinceFullCheck = 0;
    if (view.slotOut !== this.model.slotOut) {
      violated('R3', `${this.replicaId} slotOut ${view.slotOut}, replay at ${this.model.slotOut}`);
    }
    const expected = this.model.kv;
    const same =
      expected.size === view.kv.size &&
      [...expected].every(([key, value]) => view.kv.get(key) === value);
    if (!same) {
      violated(
        'R3',
        `${this.replicaId} store ${JSON.stringify([...view.kv].sort())} differs from replaying ` +
          `its decisions: ${JSON.stringify([...expected].sort())}`,
      );
    }
  }

  /** R2 and the replay: every newly applied slot must have a decision. */
  private replayUpTo(view: ReplicaView): void {
    while (this.model.slotOut < view.slotOut) {
      const slot = this.model.slotOut;
      const batch = view.decisions.get(slot) ?? this.ledger.get(slot);
      if (batch === undefined) {
        violated(
          'R2',
          `${this.replicaId} applied slot ${slot} (slotOut ${view.slotOut}) undecided`,
        );
      }
      this.model.apply(slot, batch);
      for (const command of batch.commands) {
        const key = commandKey(command);
        const cached = view.responses.get(key);
        const performed = this.model.performed.get(key);
        if (cached !== undefined && performed !== undefined && cached.slot !== performed.slot) {
          violated(
            'executed-once',
            `${this.replicaId} performed ${command.clientId}/${command.requestId} at slot ` +
              `${performed.slot} and again at slot ${cached.slot}`,
          );
        }
      }
    }
  }

  private checkWindow(view: ReplicaView, sends: readonly Envelope[]): void {
    const limit = view.slotOut + this.windowSlots;
    for (const { message } of sends) {
      if (message.type === 'propose' && message.slot > limit) {
        violated(
          'R5',
          `${this.replicaId} proposed slot ${message.slot} with slotOut ${view.slotOut} and ` +
            `window ${this.windowSlots}`,
        );
      }
    }
    for (const slot of view.proposals.keys()) {
      if (slot > limit) {
        violated(
          'R5',
          `${this.replicaId} holds a proposal at ${slot} beyond slotOut+window ${limit}`,
        );
      }
    }
  }

  /** Every answer must be what the replay computed, at the slot the replay performed it. */
  private checkAnswers(sends: readonly Envelope[]): void {
    for (const { message } of sends) {
      if (message.type !== 'response') continue;
      const key = commandKey(message);
      const who = `${message.clientId}/${message.requestId}`;
      const first = this.answeredAt.get(key);
      if (first !== undefined && first !== message.slot) {
        violated(
          'executed-once',
          `${this.replicaId} answered ${who} from slot ${first} and from slot ${message.slot}`,
        );
      }
      this.answeredAt.set(key, message.slot);
      const performed = this.model.performed.get(key);
      if (performed === undefined) {
        violated('R3', `${this.replicaId} answered ${who}, which its decisions never performed`);
      }
      if (
        performed.slot !== message.slot ||
        performed.result.ok !== message.result.ok ||
        performed.result.value !== message.result.value
      ) {
        violated(
          'R3',
          `${this.replicaId} answered ${who} with ${JSON.stringify(message.result)} at slot ` +
            `${message.slot}; replay performed it at slot ${performed.slot} with ` +
            `${JSON.stringify(performed.result)}`,
        );
      }
    }
  }
}
