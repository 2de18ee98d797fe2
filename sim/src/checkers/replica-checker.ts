import { commandKey, isFleetCommand, type Batch, type Envelope } from '@paxos/shared';
import type { ReplicaView } from '../observe/views';
import { sameResult, type AtMostOnceChecker } from './at-most-once-checker';
import type { DecisionLedger } from './decision-ledger';
import type { FirstOccurrences } from './first-occurrences';
import { ReplayModel } from './replay-model';
import { violated } from './violation';

/** What the replica checker reads besides the replica: the log and how commands ran. */
export interface ReplicaCheckerContext {
  ledger: DecisionLedger;
  firsts: FirstOccurrences;
  atMostOnce: AtMostOnceChecker;
}

/**
 * Follows one replica through its whole life, restarts included, and checks after each of
 * its steps: the decisions it holds agree globally (R1), slotOut never went back (R4), every
 * slot it applied was decided (R2), its proposals stay inside the window (R5), and its store
 * matches replaying its decisions, each command run at most once, where first decided (R3,
 * at-most-once). The full store comparison (R3) runs every `fullCheckEverySteps` steps and at
 * the end.
 */
export class ReplicaChecker {
  private readonly model = new ReplayModel();
  private highestSlotOut = 1;
  private stepsSinceFullCheck = 0;

  constructor(
    readonly replicaId: string,
    private readonly windowSlots: number,
    private readonly context: ReplicaCheckerContext,
    private readonly fullCheckEverySteps: number,
  ) {}

  get modelSlotOut(): number {
    return this.model.slotOut;
  }

  /** The highest slotOut this replica reached; it survives crashes (replicas are durable). */
  get appliedSlotOut(): number {
    return this.highestSlotOut;
  }

  /**
   * `sends` are the step's messages; the at-most-once checker has already read its answers,
   * so the replay below knows how every command of the newly applied slots ran.
   */
  afterStep(view: ReplicaView, sends: readonly Envelope[]): void {
    for (const [slot, batch] of view.decisions) {
      this.context.ledger.record(slot, batch, this.replicaId);
    }
    if (view.slotOut < this.highestSlotOut) {
      violated(
        'R4',
        `${this.replicaId} slotOut went from ${this.highestSlotOut} back to ${view.slotOut}`,
      );
    }
    this.highestSlotOut = view.slotOut;
    this.replayUpTo(view);
    this.checkWindow(view, sends);
    if (++this.stepsSinceFullCheck >= this.fullCheckEverySteps) this.fullCheck(view);
  }

  /** R3 on the whole store. */
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
        `${this.replicaId} store ${describeStore(view.kv)} differs from replaying its ` +
          `decisions: ${describeStore(expected)}`,
      );
    }
  }

  /** R2 and the replay: every newly applied slot must have a decision. */
  private replayUpTo(view: ReplicaView): void {
    while (this.model.slotOut < view.slotOut) {
      const slot = this.model.slotOut;
      const batch = view.decisions.get(slot) ?? this.context.ledger.get(slot);
      if (batch === undefined) {
        violated(
          'R2',
          `${this.replicaId} applied slot ${slot} (slotOut ${view.slotOut}) undecided`,
        );
      }
      if (!this.context.firsts.readThrough(slot)) {
        violated(
          'R2',
          `${this.replicaId} applied slot ${slot} before some slot below it was decided`,
        );
      }
      this.replaySlot(view, slot, batch);
      this.model.slotOut++;
    }
  }

  /**
   * A command runs only at its first occurrence, and there only if the replicas ran it (they
   * refuse commands of unknown sessions and numbers whose answer is gone). The replica's own
   * answer cache must agree: an answer kept for a later copy's slot means it ran again.
   */
  private replaySlot(view: ReplicaView, slot: number, batch: Batch): void {
    batch.commands.forEach((command, position) => {
      if (isFleetCommand(command)) return;
      const key = commandKey(command);
      const first = this.context.firsts.of(key);
      const cached = view.responses.get(key);
      if (first === undefined || first.slot !== slot || first.position !== position) {
        // (A copy later in the same batch shares the first copy's slot, and its answer.)
        if (cached !== undefined && cached.slot === slot && first?.slot !== slot) {
          violated(
            'at-most-once',
            `${this.replicaId} ran ${key} again at slot ${slot}: it was first decided at slot ` +
              `${first?.slot ?? '?'}`,
          );
        }
        return;
      }
      if (cached !== undefined && cached.slot !== slot) {
        violated(
          'at-most-once',
          `${this.replicaId} keeps an answer for ${key} from slot ${cached.slot}, but it was ` +
            `first decided at slot ${slot}`,
        );
      }
      const ran = this.context.atMostOnce.ranOutcome(key);
      // Refused (an unknown session, a number whose answer is gone): nothing ran.
      if (ran === undefined || ran.slot !== slot) return;
      // Over the store's quota: decided, remembered, and nothing changed.
      if (ran.result.refused === 'kv-quota-exceeded') return;
      const result = this.model.run(command.op);
      if (!sameResult(result, ran.result)) {
        violated(
          'R3',
          `replaying ${key} at slot ${slot} for ${this.replicaId} gives ` +
            `${JSON.stringify(result)}, but ${ran.replicaId} answered ${JSON.stringify(ran.result)}`,
        );
      }
    });
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
}

/** Keys and values, sorted, with long values cut short (a value may be 64 KiB). */
function describeStore(kv: ReadonlyMap<string, string>): string {
  const cut = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}...(${s.length})` : s);
  return JSON.stringify([...kv].sort().map(([k, v]) => [cut(k), cut(v)]));
}
