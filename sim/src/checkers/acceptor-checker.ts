import {
  ballotEquals,
  ballotToString,
  bottomBallotOf,
  compareBallots,
  epochOf,
  type Ballot,
  type Message,
  type PValue,
} from '@paxos/shared';
import type { AcceptorView } from '../observe/views';
import type { AcceptanceLedger } from './acceptance-ledger';
import { violated } from './violation';

/**
 * Follows one acceptor and checks each of its steps against the previous one: its promise in
 * each configuration (epoch) only rises (A1; a retired epoch's promise may go, and the epochs
 * retired only grow), a pvalue appears only when a p2a with the promise of its epoch brought it (A2),
 * and nothing it accepted disappears or is replaced by a lower ballot (A3) until garbage
 * collection: a pvalue may vanish only below the acceptor's collectedBelow, which itself never
 * goes down (whether collecting there was safe is the GC checker's business). A restart from its
 * durable map is a step with no message: it must come back exactly as it was. A restart
 * from an empty map (volatile acceptors) is a new life: `forget` starts the comparison over,
 * while the global ledger keeps everything the old life accepted.
 */
export class AcceptorChecker {
  private promises = new Map<number, Ballot>();
  private epochsBelow = 0;
  private accepted = new Map<number, PValue>();
  private collectedBelow = 1;

  constructor(
    readonly acceptorId: string,
    private readonly ledger: AcceptanceLedger,
  ) {}

  forget(): void {
    this.promises = new Map();
    this.epochsBelow = 0;
    this.accepted = new Map();
    this.collectedBelow = 1;
  }

  /** `message` is null for a recovery. */
  afterStep(view: AcceptorView, message: Message | null): void {
    const who = this.acceptorId;
    if (view.epochsBelow < this.epochsBelow) {
      violated(
        'A1',
        `${who} epochsBelow went from ${this.epochsBelow} down to ${view.epochsBelow}`,
      );
    }
    for (const [epoch, before] of this.promises) {
      if (epoch < view.epochsBelow) continue;
      const now = view.promises.get(epoch) ?? bottomBallotOf(epoch);
      if (compareBallots(now, before) < 0) {
        violated(
          'A1',
          `${who} ballot in epoch ${epoch} went from ${ballotToString(before)} down to ` +
            ballotToString(now),
        );
      }
    }
    if (view.collectedBelow < this.collectedBelow) {
      violated(
        'A3',
        `${who} collectedBelow went from ${this.collectedBelow} down to ${view.collectedBelow}`,
      );
    }
    for (const [slot, before] of this.accepted) {
      if (slot < view.collectedBelow) continue;
      const now = view.accepted.get(slot);
      if (now === undefined) {
        violated('A3', `${who} lost its accepted pvalue at slot ${slot} (${describe(before)})`);
      }
      if (compareBallots(now.ballot, before.ballot) < 0) {
        violated('A3', `${who} replaced ${describe(before)} by lower ${describe(now)}`);
      }
    }
    for (const [slot, pvalue] of view.accepted) {
      const before = this.accepted.get(slot);
      if (before !== undefined && samePValue(before, pvalue)) continue;
      const brought =
        message?.type === 'p2a' &&
        message.pvalue.slot === slot &&
        samePValue(message.pvalue, pvalue);
      if (!brought) {
        violated('A2', `${who} holds ${describe(pvalue)} that no p2a in this step brought`);
      }
      const promise =
        view.promises.get(epochOf(pvalue.ballot)) ?? bottomBallotOf(epochOf(pvalue.ballot));
      if (!ballotEquals(pvalue.ballot, promise)) {
        violated(
          'A2',
          `${who} accepted ${describe(pvalue)} while its ballot is ${ballotToString(promise)}`,
        );
      }
      this.ledger.record(who, pvalue);
    }
    this.promises = new Map(view.promises);
    this.epochsBelow = view.epochsBelow;
    this.accepted = new Map(view.accepted);
    this.collectedBelow = view.collectedBelow;
  }
}

function samePValue(a: PValue, b: PValue): boolean {
  return (
    a.slot === b.slot && ballotEquals(a.ballot, b.ballot) && a.value.batchId === b.value.batchId
  );
}

function describe(p: PValue): string {
  return `<${ballotToString(p.ballot)}, ${p.slot}, ${p.value.batchId}>`;
}
