import { ballotToString, compareBallots, epochOf, type Ballot, type PValue } from '@paxos/shared';
import { ballotKey } from '../observe/ballot-key';
import { violated } from './violation';
import { getOrCreate } from './maps';

interface Acceptance {
  ballot: Ballot;
  batchId: string;
  /** Acceptor ids; one that lost its disk and accepted again is still counted once. */
  acceptors: Set<string>;
}

/** Called once per (slot, ballot) when a majority has accepted it, with what they accepted. */
export type ChosenListener = (pvalue: PValue) => void;

/** How many acceptors make a majority in configuration `epoch`. */
export type MajorityOf = (epoch: number) => number;

/**
 * Every acceptance by every acceptor, ever (A4, A5), keyed by slot across configurations: a
 * ballot carries its configuration's epoch, and a majority is counted among that
 * configuration's acceptors. A5 compares ballots epoch first, so a value chosen in one
 * configuration and another accepted in a later one at the same slot is caught too. An
 * acceptance counts even after the acceptor forgot it (a volatile restart): what a majority
 * once accepted may already have been decided and answered, which is exactly why forgetting it
 * is dangerous.
 */
export class AcceptanceLedger {
  private readonly bySlot = new Map<number, Map<string, Acceptance>>();
  private readonly listeners: ChosenListener[] = [];
  private readonly majorityOf: MajorityOf;

  /**
   * `majority`: one number for every epoch (a fixed membership), or per epoch. `admit` runs
   * before an acceptance is counted (the configuration checks).
   */
  constructor(
    majority: number | MajorityOf,
    private readonly admit: (acceptorId: string, pvalue: PValue) => void = () => {},
  ) {
    this.majorityOf = typeof majority === 'number' ? () => majority : majority;
  }

  onChosen(listener: ChosenListener): void {
    this.listeners.push(listener);
  }

  record(acceptorId: string, pvalue: PValue): void {
    this.admit(acceptorId, pvalue);
    const { slot, ballot } = pvalue;
    const batchId = pvalue.value.batchId;
    const atSlot = getOrCreate(this.bySlot, slot, () => new Map());
    const key = ballotKey(ballot);
    let acceptance = atSlot.get(key);
    if (acceptance === undefined) {
      acceptance = { ballot, batchId, acceptors: new Set() };
      atSlot.set(key, acceptance);
    } else if (acceptance.batchId !== batchId) {
      violated(
        'A4',
        `ballot ${ballotToString(ballot)} slot ${slot}: ${acceptorId} accepted ${batchId}, ` +
          `${[...acceptance.acceptors].join(',')} accepted ${acceptance.batchId}`,
      );
    }
    const majority = this.majorityOf(epochOf(ballot));
    const wasChosen = acceptance.acceptors.size >= majority;
    acceptance.acceptors.add(acceptorId);
    this.checkSlot(slot, atSlot);
    if (!wasChosen && acceptance.acceptors.size >= majority) {
      for (const listener of this.listeners) listener(pvalue);
    }
  }

  /** The ballots at which a majority accepted something at `slot`, with what they accepted. */
  chosenAt(slot: number): Array<{ ballot: Ballot; batchId: string }> {
    const chosen: Array<{ ballot: Ballot; batchId: string }> = [];
    for (const a of this.bySlot.get(slot)?.values() ?? []) {
      if (a.acceptors.size >= this.majorityOf(epochOf(a.ballot))) {
        chosen.push({ ballot: a.ballot, batchId: a.batchId });
      }
    }
    return chosen;
  }

  /** Did a majority accept `batchId` at `slot` at some ballot? */
  wasChosen(slot: number, batchId: string): boolean {
    return this.chosenAt(slot).some((chosen) => chosen.batchId === batchId);
  }

  /** One acceptance per slot at or above `fromSlot` (any ballot), for retroactive checks. */
  *acceptancesFrom(fromSlot: number): Iterable<[number, PValue]> {
    for (const [slot, atSlot] of this.bySlot) {
      if (slot < fromSlot) continue;
      for (const a of atSlot.values()) {
        yield [slot, { ballot: a.ballot, slot, value: { batchId: a.batchId, commands: [] } }];
      }
    }
  }

  /** A5: once <b, s, c> has a majority, every acceptance at s with a higher ballot carries c. */
  private checkSlot(slot: number, atSlot: ReadonlyMap<string, Acceptance>): void {
    for (const chosen of atSlot.values()) {
      if (chosen.acceptors.size < this.majorityOf(epochOf(chosen.ballot))) continue;
      for (const other of atSlot.values()) {
        if (compareBallots(other.ballot, chosen.ballot) > 0 && other.batchId !== chosen.batchId) {
          violated(
            'A5',
            `slot ${slot}: a majority (${[...chosen.acceptors].join(',')}) accepted ` +
              `${chosen.batchId} at ${ballotToString(chosen.ballot)}, yet ` +
              `${[...other.acceptors].join(',')} accepted ${other.batchId} at the higher ` +
              `ballot ${ballotToString(other.ballot)}`,
          );
        }
      }
    }
  }
}
