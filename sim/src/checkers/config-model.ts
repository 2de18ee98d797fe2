import {
  LIMITS,
  isReconfiguration,
  leavingMembers,
  reconfigurationProblem,
  type ConfigEntry,
  type Configuration,
  type ReconfigureCommand,
} from '@paxos/shared';
import type { DecisionLedger } from './decision-ledger';

/** A configuration the log made, and the slot whose decision made it (0: the initial one). */
export interface ModelEntry extends ConfigEntry {
  decidedAt: number;
}

/** What the log says of one reconfiguration command: scheduled (or already), or refused. */
export type ReconfigurationVerdict =
  | { kind: 'scheduled'; entry: ModelEntry }
  | { kind: 'refused'; refused: 'reconfiguration-pending' | 'reconfiguration-invalid' };

/**
 * The configuration schedule as the decided log makes it (PMMC section 4), built by the
 * checkers themselves, the way the replay model rebuilds the store: the decided slots read in
 * order, and each reconfiguration decided at slot s, unless another is still pending or the
 * configuration then latest does not allow it, makes the next epoch govern every slot from
 * s + WINDOW (the window of the configuration governing s). Replicas, leaders, proposals,
 * acceptances and reconfiguration answers are all checked against it (config-checker.ts).
 */
export class ConfigModel {
  private readonly entries: ModelEntry[];
  private formerMembers: string[] = [];
  private nextSlot = 1;
  private readonly verdicts = new Map<string, ReconfigurationVerdict>();
  private readonly listeners: Array<(entry: ModelEntry) => void> = [];

  constructor(
    private readonly ledger: DecisionLedger,
    initial: Configuration,
  ) {
    this.entries = [{ startSlot: 1, config: initial, decidedAt: 0 }];
  }

  /** Called with every configuration the log makes after the initial one. */
  onEntry(listener: (entry: ModelEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Reads the log as far as it is decided without a gap. */
  advance(): void {
    for (
      let batch = this.ledger.get(this.nextSlot);
      batch;
      batch = this.ledger.get(this.nextSlot)
    ) {
      const slot = this.nextSlot;
      for (const command of batch.commands) {
        if (isReconfiguration(command)) this.apply(slot, command);
      }
      this.nextSlot++;
    }
  }

  /** Every slot below this has been read. */
  get readBelow(): number {
    return this.nextSlot;
  }

  /** Every configuration made so far, by epoch (the initial one first). */
  get schedule(): readonly ModelEntry[] {
    return this.entries;
  }

  get newest(): ModelEntry {
    this.advance();
    return this.latest();
  }

  entryOfEpoch(epoch: number): ModelEntry | undefined {
    this.advance();
    return this.entries[epoch];
  }

  /** The entry governing `slot` among those made so far. */
  entryAtSlot(slot: number): ModelEntry {
    this.advance();
    return this.governing(slot);
  }

  /**
   * What a replica that has applied every slot below `slotOut` must hold: the configurations
   * decided below slotOut, from the one governing slotOut on.
   */
  scheduleAt(slotOut: number): ModelEntry[] {
    const known = this.entries.filter((e) => e.decidedAt < slotOut);
    let first = 0;
    known.forEach((e, i) => {
      if (e.startSlot <= slotOut) first = i;
    });
    return known.slice(first);
  }

  /** The log's verdict on the reconfiguration decided at `slot` with `requestId`. */
  verdictOf(slot: number, requestId: number): ReconfigurationVerdict | undefined {
    this.advance();
    return this.verdicts.get(`${slot}:${requestId}`);
  }

  private governing(slot: number): ModelEntry {
    let found = this.entries[0]!;
    for (const entry of this.entries) if (entry.startSlot <= slot) found = entry;
    return found;
  }

  private latest(): ModelEntry {
    return this.entries[this.entries.length - 1]!;
  }

  private apply(slot: number, command: ReconfigureCommand): void {
    const key = `${slot}:${command.requestId}`;
    const governing = this.governing(slot);
    const latest = this.latest();
    const { op } = command;
    const window = op.window ?? governing.config.window;
    const same = (a: readonly string[], b: readonly string[]) =>
      a.length === b.length && a.every((id, i) => id === b[i]);
    if (
      same(latest.config.acceptors, op.acceptors) &&
      same(latest.config.leaders, op.leaders) &&
      same(latest.config.replicas, op.replicas) &&
      latest.config.window === window
    ) {
      // Asked again for what is already scheduled: answered with it, nothing changes.
      this.verdicts.set(key, { kind: 'scheduled', entry: latest });
      return;
    }
    if (latest.startSlot > slot) {
      this.verdicts.set(key, { kind: 'refused', refused: 'reconfiguration-pending' });
      return;
    }
    if (reconfigurationProblem(latest.config, op, this.formerMembers) !== null) {
      this.verdicts.set(key, { kind: 'refused', refused: 'reconfiguration-invalid' });
      return;
    }
    const entry: ModelEntry = {
      startSlot: slot + governing.config.window,
      decidedAt: slot,
      config: {
        epoch: latest.config.epoch + 1,
        acceptors: [...op.acceptors],
        leaders: [...op.leaders],
        replicas: [...op.replicas],
        window,
      },
    };
    this.entries.push(entry);
    this.formerMembers = [...this.formerMembers, ...leavingMembers(latest.config, op)].slice(
      -LIMITS.formerMembersMax,
    );
    this.verdicts.set(key, { kind: 'scheduled', entry });
    for (const listener of this.listeners) listener(entry);
  }
}
