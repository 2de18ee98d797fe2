import { ballotToString, compareBallots, type Ballot, type PValue } from '@paxos/shared';
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

/**
 * Every acceptance by every acceptor, ever (A4, A5). An acceptance counts even after the
 * acceptor forgot it (a volatile restart): what a majority once accepted may already have
 * been decided and answered, which is exactly why forgetting it is dangerous.
 */
export class AcceptanceLedger {
  private readonly bySlot = new Map<number, Map<string, Acceptance>>();
  private readonly listeners: ChosenListener[] = [];

  constructor(private readonly majority: number) {}

  onChosen(listener: ChosenListener): void {
    this.listeners.push(listener);
  }

  record(acceptorId: string, pvalue: PValue): void {
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
    const wasChosen = acceptance.acceptors.size >= this.majority;
    acceptance.acceptors.add(acceptorId);
    this.checkSlot(slot, atSlot);
    if (!wasChosen && acceptance.acceptors.size >= this.majority) {
      for (const listener of this.listeners) listener(pvalue);
    }
  }

  /** The ballots at which a majority accepted something at `slot`, with what they accepted. */
  chosenAt(slot: number): Array<{ ballot: Ballot; batchId: string }> {
    const chosen: Array<{ ballot: Ballot; batchId: string }> = [];
    for (const a of this.bySlot.get(slot)?.values() ?? []) {
      if (a.acceptors.size >= this.majority) chosen.push({ ballot: a.ballot, batchId: a.batchId });
    }
    return chosen;
  }

  /** Did a majority accept `batchId` at `slot` at some ballot? */
  wasChosen(slot: number, batchId: string): boolean {
    return this.chosenAt(slot).some((chosen) => chosen.batchId === batchId);
  }

  /** A5: once <b, s, c> has a majority, every acceptance at s with a higher ballot carries c. */
  private checkSlot(slot: number, atSlot: ReadonlyMap<string, Acceptance>): void {
    for (const chosen of atSlot.values()) {
      if (chosen.acceptors.size < this.majority) continue;
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
