import {
  describeConfiguration,
  epochOf,
  type ConfigEntry,
  type Envelope,
  type PValue,
  type Propose,
  type Response,
} from '@paxos/shared';
import type { LeaderView, ReplicaView } from '../observe/views';
import type { ConfigModel, ModelEntry } from './config-model';
import type { DecisionLedger } from './decision-ledger';
import { violated } from './violation';

const describeEntry = (e: ConfigEntry): string =>
  `${describeConfiguration(e.config)} from slot ${e.startSlot}`;

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/** Field by field: an entry parsed from a message or a row may list its keys in another order. */
export function sameConfigEntry(a: ConfigEntry, b: ConfigEntry): boolean {
  return (
    a.startSlot === b.startSlot &&
    a.config.epoch === b.config.epoch &&
    a.config.window === b.config.window &&
    sameList(a.config.acceptors, b.config.acceptors) &&
    sameList(a.config.leaders, b.config.leaders) &&
    sameList(a.config.replicas, b.config.replicas)
  );
}

/**
 * Every process works with the configurations the decided log makes (config-model.ts), each
 * slot with the one configuration that governs it (PMMC section 4). Checked:
 * - a replica's schedule is exactly the log's, from the configuration governing its slotOut on
 *   (a configuration applied at once instead of at s + WINDOW shows up here first);
 * - a proposal names the configuration governing its slot and goes to that configuration's
 *   leaders;
 * - a leader serves only configurations the log made, with their members and slot range;
 * - an acceptance belongs to a configuration the log made, whose acceptor it is, and whose
 *   slots include it: two configurations never run one slot (the decision ledger then checks
 *   that no slot is decided twice, across configurations too);
 * - a reconfiguration is answered with what the log made of it.
 */
export class ConfigChecker {
  constructor(
    private readonly model: ConfigModel,
    private readonly ledger: DecisionLedger,
  ) {}

  afterReplicaStep(replicaId: string, view: ReplicaView): void {
    if (view.configs === undefined) return;
    this.model.advance();
    if (this.model.readBelow < view.slotOut) return; // R2 reports a replica ahead of the log.
    const expected = this.model.scheduleAt(view.slotOut);
    const same =
      expected.length === view.configs.length &&
      expected.every((entry, i) => sameConfigEntry(entry, view.configs![i]!));
    if (!same) {
      violated(
        'config',
        `${replicaId} at slotOut ${view.slotOut} holds the schedule ` +
          `[${view.configs.map(describeEntry).join('; ')}], the log makes ` +
          `[${expected.map(describeEntry).join('; ')}]`,
      );
    }
  }

  onPropose(from: string, to: string, message: Propose): void {
    const governing = this.model.entryAtSlot(message.slot);
    const named = message.configEntry;
    const matches =
      named === undefined ? governing.config.epoch === 0 : sameConfigEntry(named, governing);
    if (!matches) {
      violated(
        'config',
        `${from} proposed slot ${message.slot} under ` +
          `${named ? describeEntry(named) : 'the initial configuration'}, but ` +
          `${describeEntry(governing)} governs it`,
      );
    }
    if (!governing.config.leaders.includes(to)) {
      violated(
        'config',
        `${from} proposed slot ${message.slot} to ${to}, not a leader of ` +
          describeConfiguration(governing.config),
      );
    }
  }

  afterLeaderStep(leaderId: string, view: LeaderView): void {
    for (const instance of view.instances) {
      const entry = this.model.entryOfEpoch(instance.epoch);
      if (entry === undefined) {
        violated('config', `${leaderId} serves epoch ${instance.epoch}, which the log never made`);
      }
      const next = this.model.entryOfEpoch(instance.epoch + 1);
      const members =
        sameList(instance.acceptors, entry.config.acceptors) &&
        sameList(instance.leaders, entry.config.leaders) &&
        sameList(instance.replicas, entry.config.replicas);
      const range =
        instance.startSlot === entry.startSlot &&
        (instance.endSlot === null || instance.endSlot === next?.startSlot);
      if (!members || !range) {
        violated(
          'config',
          `${leaderId} serves epoch ${instance.epoch} as [${instance.acceptors.join(' ')} | ` +
            `${instance.leaders.join(' ')} | ${instance.replicas.join(' ')}] over ` +
            `[${instance.startSlot}, ${instance.endSlot ?? '∞'}), the log makes ` +
            `${describeEntry(entry)}${next ? ` until ${next.startSlot}` : ''}`,
        );
      }
    }
  }

  /** Before an acceptance is counted: its configuration exists, has the acceptor, owns the slot. */
  onAcceptance(acceptorId: string, pvalue: PValue): void {
    const epoch = epochOf(pvalue.ballot);
    const entry = this.model.entryOfEpoch(epoch);
    if (entry === undefined) {
      violated(
        'config',
        `${acceptorId} accepted slot ${pvalue.slot} in epoch ${epoch}, never made`,
      );
    }
    if (!entry.config.acceptors.includes(acceptorId)) {
      violated(
        'config',
        `${acceptorId} accepted slot ${pvalue.slot} in ${describeConfiguration(entry.config)}, ` +
          `whose acceptor it is not`,
      );
    }
    const next = this.model.entryOfEpoch(epoch + 1);
    this.checkSlotOfEpoch(`${acceptorId} accepted`, pvalue.slot, entry, next);
  }

  /**
   * A configuration just made ends the previous one: an acceptance of an earlier epoch at or
   * above its start, counted before the log got there, was in a slot not its own.
   */
  onNewEntry(entry: ModelEntry, acceptancesFrom: (slot: number) => Iterable<[number, PValue]>) {
    for (const [slot, pvalue] of acceptancesFrom(entry.startSlot)) {
      if (epochOf(pvalue.ballot) < entry.config.epoch) {
        violated(
          'config',
          `slot ${slot} was accepted in epoch ${epochOf(pvalue.ballot)}, but ` +
            `${describeEntry(entry)} (decided at slot ${entry.decidedAt}) governs it`,
        );
      }
    }
  }

  /** A reconfiguration's answer (sent to the client namespace under session 0). */
  onReconfigurationAnswer(replicaId: string, answer: Response): void {
    const verdict = this.model.verdictOf(answer.slot, answer.requestId);
    const batch = this.ledger.get(answer.slot);
    if (verdict === undefined || batch === undefined) {
      violated(
        'config',
        `${replicaId} answered reconfiguration ${answer.requestId} from slot ${answer.slot}, ` +
          `which holds no such reconfiguration`,
      );
    }
    const { result } = answer;
    const right =
      verdict.kind === 'scheduled'
        ? result.ok &&
          result.config?.epoch === verdict.entry.config.epoch &&
          result.config.startSlot === verdict.entry.startSlot
        : !result.ok && result.refused === verdict.refused;
    if (!right) {
      const expected =
        verdict.kind === 'scheduled' ? describeEntry(verdict.entry) : verdict.refused;
      violated(
        'config',
        `${replicaId} answered reconfiguration ${answer.requestId} (slot ${answer.slot}) with ` +
          `${JSON.stringify(result)}; the log makes ${expected}`,
      );
    }
  }

  private checkSlotOfEpoch(
    what: string,
    slot: number,
    entry: ModelEntry,
    next: ModelEntry | undefined,
  ): void {
    if (slot < entry.startSlot || (next !== undefined && slot >= next.startSlot)) {
      violated(
        'config',
        `${what} slot ${slot} in ${describeEntry(entry)}${next ? ` until ${next.startSlot}` : ''}: ` +
          `another configuration governs it`,
      );
    }
  }
}

/** Is this answer one to a reconfiguration (session 0, not a registration)? */
export function isReconfigurationAnswer(envelope: Envelope): boolean {
  const { message } = envelope;
  if (message.type !== 'response' || message.sessionId !== 0) return false;
  const { result } = message;
  return (
    result.config !== undefined ||
    result.refused === 'reconfiguration-pending' ||
    result.refused === 'reconfiguration-invalid'
  );
}
