import { commandKey, opDigest, type Command } from '@paxos/shared';
import type { DecisionLedger } from './decision-ledger';

/** Where a command first appears in the decided log, and its operation there. */
export interface FirstOccurrence {
  slot: number;
  /** Its index in that slot's batch. */
  position: number;
  op: Command['op'];
}

/**
 * The decided log read in slot order, remembering for each command key (`sessionId:requestId`)
 * its first occurrence. That is the only place a command may run: a later copy of it (a retry
 * proposed by another replica, a reused request number) must be skipped or refused, whatever
 * the replicas' session rules are, because those rules only ever refuse more as the log grows
 * (a session, once evicted, never comes back; a session's floor only rises).
 */
export class FirstOccurrences {
  private nextSlot = 1;
  private readonly first = new Map<string, FirstOccurrence>();
  /** Digests are asked for once per answered command, and a value may be 64 KiB: kept. */
  private readonly digests = new Map<string, string>();

  constructor(private readonly ledger: DecisionLedger) {}

  /** Reads the log through `slot`; false if some slot up to it is not known to be decided. */
  readThrough(slot: number): boolean {
    while (this.nextSlot <= slot) {
      const batch = this.ledger.get(this.nextSlot);
      if (batch === undefined) return false;
      batch.commands.forEach((command, position) => {
        const key = commandKey(command);
        if (!this.first.has(key)) {
          this.first.set(key, { slot: this.nextSlot, position, op: command.op });
        }
      });
      this.nextSlot++;
    }
    return true;
  }

  /** The first occurrence of `key` among the slots read so far. */
  of(key: string): FirstOccurrence | undefined {
    return this.first.get(key);
  }

  /** The digest of the operation first decided under `key` (read so far), or undefined. */
  digestOf(key: string): string | undefined {
    const known = this.digests.get(key);
    if (known !== undefined) return known;
    const first = this.first.get(key);
    if (first === undefined) return undefined;
    const digest = opDigest(first.op);
    this.digests.set(key, digest);
    return digest;
  }
}
