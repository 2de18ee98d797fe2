import { majorityOf, type Envelope, type Message, type Response } from '@paxos/shared';
import type { AcceptorView, LeaderView, ReplicaView } from '../observe/views';
import { AcceptanceLedger } from './acceptance-ledger';
import { AcceptorChecker } from './acceptor-checker';
import { AnswerChecker } from './answer-checker';
import { AtMostOnceChecker } from './at-most-once-checker';
import { CommanderChecker } from './commander-checker';
import { DecisionLedger } from './decision-ledger';
import { FirstOccurrences } from './first-occurrences';
import { GcChecker } from './gc-checker';
import { LimitsChecker, type SentEnvelope, type WrittenOp } from './limits-checker';
import { ReplicaChecker } from './replica-checker';
import { violated } from './violation';

export interface ClusterCheckersConfig {
  acceptors: readonly string[];
  replicas: readonly string[];
  windowSlots: number;
  replicaFullCheckEverySteps: number;
}

/**
 * Every safety checker of one run, fed after each step of each process. The simulator calls
 * the `after*` hook for the role that stepped, then `afterSends` for what it released.
 */
export class ClusterCheckers {
  readonly decisions = new DecisionLedger();
  readonly acceptances: AcceptanceLedger;
  readonly commanders: CommanderChecker;
  readonly firsts = new FirstOccurrences(this.decisions);
  readonly atMostOnce = new AtMostOnceChecker(this.decisions, this.firsts);
  readonly answers = new AnswerChecker(this.firsts);
  readonly limits = new LimitsChecker();
  readonly gc = new GcChecker(() => this.lowestApplied());
  private readonly acceptorCheckers = new Map<string, AcceptorChecker>();
  readonly replicaCheckers = new Map<string, ReplicaChecker>();

  constructor(config: ClusterCheckersConfig) {
    this.acceptances = new AcceptanceLedger(majorityOf(config.acceptors.length));
    this.commanders = new CommanderChecker(this.acceptances);
    // Chosen is decided, whoever learns it: a replica may apply a slot learned from the
    // acceptors and truncate it in the same step, before any checker sees it held.
    this.acceptances.onChosen(({ slot, value }) =>
      this.decisions.record(slot, value, 'a majority of acceptors'),
    );
    for (const id of config.acceptors) {
      this.acceptorCheckers.set(id, new AcceptorChecker(id, this.acceptances));
    }
    for (const id of config.replicas) {
      this.replicaCheckers.set(
        id,
        new ReplicaChecker(
          id,
          config.windowSlots,
          { ledger: this.decisions, firsts: this.firsts, atMostOnce: this.atMostOnce },
          config.replicaFullCheckEverySteps,
        ),
      );
    }
  }

  /** `message` is null for a recovery. */
  afterAcceptorStep(id: string, view: AcceptorView, message: Message | null): void {
    this.checkerOf(this.acceptorCheckers, id).afterStep(view, message);
    this.gc.onAcceptorHorizon(id, view.collectedBelow);
  }

  afterLeaderStep(id: string, view: LeaderView): void {
    this.gc.onLeaderHorizon(id, view.collectedBelow);
  }

  /** The acceptor came back with an empty disk: a new life for A1-A3, not for the ledgers. */
  acceptorLostDisk(id: string): void {
    this.checkerOf(this.acceptorCheckers, id).forget();
  }

  afterReplicaStep(id: string, view: ReplicaView, sends: readonly Envelope[]): void {
    // Chosen values are in the ledger as soon as they are chosen: a decision a replica holds
    // that the ledger lacks was learned from fewer acceptors than a majority.
    for (const [slot, batch] of view.decisions) {
      if (this.decisions.get(slot) === undefined) this.checkChosen(id, slot, batch.batchId);
      this.decisions.record(slot, batch, id);
    }
    // How the step's commands ran, before the replay that applies them.
    this.atMostOnce.onReplicaSends(id, sends);
    this.checkerOf(this.replicaCheckers, id).afterStep(view, sends);
  }

  /** What a process's step made durable (persist and persistLater alike). */
  afterWrites(from: string, writes: readonly WrittenOp[]): void {
    this.limits.afterWrites(from, writes);
  }

  afterSends(from: string, sends: readonly SentEnvelope[]): void {
    this.limits.afterSends(from, sends);
    for (const { message } of sends) {
      if (message.type === 'p2a') this.commanders.onP2a(from, message.pvalue);
      else if (message.type === 'collect') this.gc.onCollectSent(from, message.belowSlot);
      else if (message.type === 'decision') {
        this.checkChosen(from, message.slot, message.value.batchId);
        this.decisions.record(message.slot, message.value, `decision message from ${from}`);
      }
    }
  }

  /**
   * A commander may announce a decision, and a replica learn one, only after a majority
   * accepted it (p2b and `accepted` are sent only after the acceptance is durable, so the
   * ledger always has it first). Counting a duplicate p2b or `accepted` twice, or tallying
   * those of different ballots together, shows up here at once.
   */
  private checkChosen(from: string, slot: number, batchId: string): void {
    if (!this.acceptances.wasChosen(slot, batchId)) {
      violated(
        'decided-unchosen',
        `${from} holds slot ${slot} decided as ${batchId}, which no majority accepted`,
      );
    }
  }

  onClientResponse(to: string, response: Response): void {
    this.answers.onResponse(to, response);
  }

  /** The replica furthest behind, by the highest slotOut each ever reached. */
  private lowestApplied(): { replicaId: string; slotOut: number } {
    let lowest = { replicaId: '(none)', slotOut: Infinity };
    for (const [replicaId, checker] of this.replicaCheckers) {
      if (checker.appliedSlotOut < lowest.slotOut) {
        lowest = { replicaId, slotOut: checker.appliedSlotOut };
      }
    }
    return lowest;
  }

  private checkerOf<T>(checkers: ReadonlyMap<string, T>, id: string): T {
    const checker = checkers.get(id);
    if (checker === undefined) throw new Error(`no checker for ${id}`);
    return checker;
  }
}
