import { applyOp, commandKey, type Batch, type KvStore, type OpResult } from '@paxos/shared';

export interface Performed {
  slot: number;
  result: OpResult;
}

/**
 * The reference a replica is compared against (R3): its decisions replayed in slot order on
 * a fresh store, skipping every command already performed at an earlier slot. It survives
 * the replica's crashes, because a durable replica must come back to where it was.
 */
export class ReplayModel {
  readonly kv: KvStore = new Map();
  readonly performed = new Map<string, Performed>();
  /** The first slot not yet replayed. */
  slotOut = 1;

  apply(slot: number, batch: Batch): void {
    if (slot !== this.slotOut) throw new Error(`replay out of order: ${slot} != ${this.slotOut}`);
    for (const command of batch.commands) {
      const key = commandKey(command);
      if (this.performed.has(key)) continue;
      this.performed.set(key, { slot, result: applyOp(this.kv, command.op) });
    }
    this.slotOut++;
  }
}
