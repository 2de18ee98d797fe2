import { ballotToString, compareBallots, type Ballot, type PValue } from '@paxos/shared';
import { ballotKey } from '../observe/ballot-key';
import type { AcceptanceLedger } from './acceptance-ledger';
import { violated } from './violation';
import { getOrCreate } from './maps';

interface Proposal {
  ballot: Ballot;
  batchId: string;
  from: string;
}

/**
 * C1 and C2 over every p2a ever sent. C1: one command per (ballot, slot). C2: once a
 * majority accepted <b, s, c>, every p2a at s with a ballot above b carries c. C2 is checked
 * in both orders (p2a after the choice, and choice after the p2a): in correct Paxos a
 * higher-ballot p2a can only exist once its phase 1 has seen the chosen value, whatever the
 * order in which the simulator observes the two.
 */
export class CommanderChecker {
  private readonly bySlot = new Map<number, Map<string, Proposal>>();

  constructor(private readonly ledger: AcceptanceLedger) {
    ledger.onChosen(({ slot, ballot, value }) =>
      this.checkAgainstChosen(slot, ballot, value.batchId),
    );
  }

  onP2a(from: string, pvalue: PValue): void {
    const { slot, ballot } = pvalue;
    const batchId = pvalue.value.batchId;
    const atSlot = getOrCreate(this.bySlot, slot, () => new Map());
    const key = ballotKey(ballot);
    const earlier = atSlot.get(key);
    if (earlier !== undefined && earlier.batchId !== batchId) {
      violated(
        'C1',
        `ballot ${ballotToString(ballot)} slot ${slot}: ${earlier.from} sent p2a ` +
          `${earlier.batchId}, ${from} sent p2a ${batchId}`,
      );
    }
    if (earlier === undefined) atSlot.set(key, { ballot, batchId, from });
    for (const chosen of this.ledger.chosenAt(slot)) {
      this.checkAgainstChosen(slot, chosen.ballot, chosen.batchId);
    }
  }

  private checkAgainstChosen(slot: number, ballot: Ballot, batchId: string): void {
    for (const p of this.bySlot.get(slot)?.values() ?? []) {
      if (compareBallots(p.ballot, ballot) > 0 && p.batchId !== batchId) {
        violated(
          'C2',
          `slot ${slot}: a majority accepted ${batchId} at ${ballotToString(ballot)}, yet ` +
            `${p.from} sent p2a ${p.batchId} at the higher ballot ${ballotToString(p.ballot)}`,
        );
      }
    }
  }
}
