import type { Batch } from '@paxos/shared';
import { violated } from './violation';

/**
 * R1, globally: one decision per slot, whoever holds or announces it. Every decision a
 * replica holds and every `decision` message a leader sends is recorded here; the first one
 * seen for a slot is the reference and any different batch for that slot is a violation.
 */
export class DecisionLedger {
  private readonly decided = new Map<number, { batch: Batch; source: string }>();
  private highest = 0;

  record(slot: number, batch: Batch, source: string): void {
    const known = this.decided.get(slot);
    if (known === undefined) {
      this.decided.set(slot, { batch, source });
      if (slot > this.highest) this.highest = slot;
      return;
    }
    if (known.batch.batchId !== batch.batchId) {
      violated(
        'R1',
        `slot ${slot} decided as ${known.batch.batchId} (${known.source}) and as ` +
          `${batch.batchId} (${source})`,
      );
    }
  }

  get(slot: number): Batch | undefined {
    return this.decided.get(slot)?.batch;
  }

  /** The highest slot known decided anywhere (0: none). */
  get highestSlot(): number {
    return this.highest;
  }
}
