import {
  initialConfiguration,
  majorityOf,
  type Envelope,
  type Message,
  type Response,
} from '@paxos/shared';
import type { AcceptorView, LeaderView, ReplicaView } from '../observe/views';
import { AcceptanceLedger } from './acceptance-ledger';
import { AcceptorChecker } from './acceptor-checker';
import { AnswerChecker } from './answer-checker';
import { AtMostOnceChecker } from './at-most-once-checker';
import { CommanderChecker } from './commander-checker';
import { ConfigChecker, isReconfigurationAnswer } from './config-checker';
import { ConfigModel } from './config-model';
import { DecisionLedger } from './decision-ledger';
import { FirstOccurrences } from './first-occurrences';
import { GcChecker } from './gc-checker';
import { LimitsChecker, type SentEnvelope, type WrittenOp } from './limits-checker';
import { ReplicaChecker } from './replica-checker';
import { violated } from './violation';

export interface ClusterCheckersConfig {
  /** The initial configuration (epoch 0); later ones come from the decided log. */
  acceptors: readonly string[];
  leaders?: readonly string[];
  replicas: readonly string[];
  windowSlots: number;
  replicaFullCheckEverySteps: number;
}

/**
 * Every safety checker of one run, fed after each step of each process. The simulator calls
 * the `after*` hook for the role that stepped, then `afterSends` for what it released. A
 * process that joins later (a new member) gets its checkers at its first step; one stopped for
 * good keeps them, and its replica's durable slotOut, to the end.
 */
export class ClusterCheckers {
  readonly decisions = new DecisionLedger();
  readonly configs: ConfigModel;
  readonly acceptances: AcceptanceLedger;
  readonly commanders: CommanderChecker;
  readonly firsts = new FirstOccurrences(this.decisions);
  readonly atMostOnce = new AtMostOnceChecker(this.decisions, this.firsts);
  readonly answers = new AnswerChecker(this.firsts);
  readonly limits = new LimitsChecker();
  readonly gc: GcChecker;
  private readonly configChecker: ConfigChecker;
  private readonly acceptorCheckers = new Map<string, AcceptorChecker>();
  readonly replicaCheckers = new Map<string, ReplicaChecker>();
  /** Processes stopped for good (they left the configuration). */
  private readonly stopped = new Set<string>();

  constructor(private readonly config: ClusterCheckersConfig) {
    const initial = initialConfiguration(
      {
        acceptors: [...config.acceptors],
        leaders: [...(config.leaders ?? [])],
        replicas: [...config.replicas],
      },
      config.windowSlots,
    );
    this.configs = new ConfigModel(this.decisions, initial);
    this.configChecker = new ConfigChecker(this.configs, this.decisions);
    this.acceptances = new AcceptanceLedger(
      (epoch) => majorityOf(this.configs.entryOfEpoch(epoch)?.config.acceptors.length ?? 1),
      (acceptorId, pvalue) => this.configChecker.onAcceptance(acceptorId, pvalue),
    );
    this.commanders = new CommanderChecker(this.acceptances);
    // Chosen is decided, whoever learns it: a replica may apply a slot learned from the
    // acceptors and truncate it in the same step, before any checker sees it held.
    this.acceptances.onChosen(({ slot, value }) =>
      this.decisions.record(slot, value, 'a majority of acceptors'),
    );
    this.configs.onEntry((entry) =>
      this.configChecker.onNewEntry(entry, (from) => this.acceptances.acceptancesFrom(from)),
    );
    this.gc = new GcChecker({
      durableSlotOut: (id) => this.replicaCheckers.get(id)?.appliedSlotOut ?? 1,
      configurations: () => {
        this.configs.advance();
        return this.configs.schedule.map((entry) => entry.config.replicas);
      },
      keptReplicas: () => [...this.replicaCheckers.keys()].filter((id) => !this.stopped.has(id)),
      newestReplicaCount: () => this.configs.newest.config.replicas.length,
    });
    for (const id of config.acceptors) this.acceptorChecker(id);
    for (const id of config.replicas) this.replicaChecker(id);
  }

  /** `message` is null for a recovery. */
  afterAcceptorStep(id: string, view: AcceptorView, message: Message | null): void {
    this.acceptorChecker(id).afterStep(view, message);
    this.gc.onAcceptorHorizon(id, view.collectedBelow);
  }

  afterLeaderStep(id: string, view: LeaderView): void {
    this.configChecker.afterLeaderStep(id, view);
    for (const instance of view.instances) {
      this.gc.onLeaderHorizon(id, instance.epoch, instance.collectedBelow);
    }
  }

  /** The acceptor came back with an empty disk: a new life for A1-A3, not for the ledgers. */
  acceptorLostDisk(id: string): void {
    this.acceptorChecker(id).forget();
  }

  /** A member left the configuration and was stopped for good: the rest must keep the state. */
  memberStopped(id: string): void {
    this.stopped.add(id);
    if (this.replicaCheckers.has(id)) this.gc.onReplicaStopped(id);
  }

  afterReplicaStep(id: string, view: ReplicaView, sends: readonly Envelope[]): void {
    // Chosen values are in the ledger as soon as they are chosen: a decision a replica holds
    // that the ledger lacks was learned from fewer acceptors than a majority.
    for (const [slot, batch] of view.decisions) {
      if (this.decisions.get(slot) === undefined) this.checkChosen(id, slot, batch.batchId);
      this.decisions.record(slot, batch, id);
    }
    // How the step's commands ran, before the replay that applies them. Reconfigurations are
    // answered like registrations (session 0) and judged against the configuration model.
    const ran: Envelope[] = [];
    for (const envelope of sends) {
      if (!isReconfigurationAnswer(envelope)) ran.push(envelope);
      else this.configChecker.onReconfigurationAnswer(id, envelope.message as Response);
    }
    this.atMostOnce.onReplicaSends(id, ran);
    this.replicaChecker(id).afterStep(view, sends);
    this.configChecker.afterReplicaStep(id, view);
  }

  /** What a process's step made durable (persist and persistLater alike). */
  afterWrites(from: string, writes: readonly WrittenOp[]): void {
    this.limits.afterWrites(from, writes);
  }

  afterSends(from: string, sends: readonly SentEnvelope[]): void {
    this.limits.afterSends(from, sends);
    for (const { to, message } of sends) {
      if (message.type === 'p2a') this.commanders.onP2a(from, message.pvalue);
      else if (message.type === 'collect') this.gc.onCollectSent(from, message.belowSlot);
      else if (message.type === 'propose') this.configChecker.onPropose(from, to, message);
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

  private acceptorChecker(id: string): AcceptorChecker {
    let checker = this.acceptorCheckers.get(id);
    if (checker === undefined) {
      checker = new AcceptorChecker(id, this.acceptances);
      this.acceptorCheckers.set(id, checker);
    }
    return checker;
  }

  private replicaChecker(id: string): ReplicaChecker {
    let checker = this.replicaCheckers.get(id);
    if (checker === undefined) {
      checker = new ReplicaChecker(
        id,
        this.config.windowSlots,
        { ledger: this.decisions, firsts: this.firsts, atMostOnce: this.atMostOnce },
        this.config.replicaFullCheckEverySteps,
      );
      this.replicaCheckers.set(id, checker);
    }
    return checker;
  }
}
