import { applyOp, type KvStore, type Op, type OpResult } from '@paxos/shared';

/**
 * The reference a replica's store is compared against (R3): its decided slots replayed in
 * order on a fresh store, running each command only at its first occurrence in the log and
 * only if the replicas ran it there (at-most-once-checker.ts has what they reported). It
 * survives the replica's crashes, because a durable replica must come back to where it was.
 */
export class ReplayModel {
  readonly kv: KvStore = new Map();
  /** The first slot not yet replayed. */
  slotOut = 1;

  run(op: Op): OpResult {
    return applyOp(this.kv, op);
  }
}
