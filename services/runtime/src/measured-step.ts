import {
  LIMITS,
  isClientDestination,
  stampedPayload,
  type Envelope,
  type PersistOp,
  type StepResult,
} from '@paxos/shared';
import { measurePut, measureSend, type MeasuredPut, type MeasuredSend } from './commit-planner';

export type MeasuredOp = { op: 'put'; put: MeasuredPut } | { op: 'truncate'; belowSlot: number };

/**
 * The results of one or more role steps taken one after another, each output measured as it
 * comes: every queued message serialized once (stamped with the protocol version, and given its
 * id), every durable write's value measured once. A message or a write over its limit is
 * reported by `add`, so the caller knows which input produced it.
 *
 * Routing is by namespace alone: a message to `client:<sessionId>` is delivered in this process
 * after the commit, anything else is queued, whether or not the destination is a member
 * (retention removes what nobody claims).
 */
export class MeasuredStep<S> {
  readonly persist: MeasuredOp[] = [];
  readonly persistLater: MeasuredOp[] = [];
  readonly sends: MeasuredSend[] = [];
  readonly deliveries: Envelope[] = [];
  readonly notes: string[] = [];
  readonly events: string[] = [];

  constructor(
    public state: S,
    private readonly newId: () => string,
  ) {}

  /** Takes one step's result; returns a description of what was too large, or null. */
  add(result: StepResult<S>): string | null {
    this.state = result.state;
    let tooLarge: string | null = null;
    for (const e of result.send) {
      if (isClientDestination(e.to)) {
        this.deliveries.push(e);
        continue;
      }
      // Measured with its protocol stamp: the payload as it is queued is what the limits bound.
      const send = measureSend(this.newId(), e.to, stampedPayload(e.message), e.message.type);
      if (send.payloadJsonBytes > LIMITS.messageJsonBytesMax) {
        tooLarge ??= `a ${send.type} message to ${send.dst} is ${send.payloadJsonBytes} bytes of JSON, over LIMITS.messageJsonBytesMax (${LIMITS.messageJsonBytesMax})`;
      }
      this.sends.push(send);
    }
    tooLarge = measureOps(result.persist, this.persist) ?? tooLarge;
    if (result.persistLater)
      tooLarge = measureOps(result.persistLater, this.persistLater) ?? tooLarge;
    if (result.notes) this.notes.push(...result.notes);
    if (result.events) this.events.push(...result.events);
    return tooLarge;
  }
}

function measureOps(ops: readonly PersistOp[], into: MeasuredOp[]): string | null {
  let tooLarge: string | null = null;
  for (const op of ops) {
    if (op.op === 'truncate') {
      into.push(op);
      continue;
    }
    const put = measurePut(op.key, op.slot, op.value);
    if (put.valueJsonBytes > LIMITS.stateWriteJsonBytesMax) {
      tooLarge ??= `the durable write "${op.key}" is ${put.valueJsonBytes} bytes of JSON, over LIMITS.stateWriteJsonBytesMax (${LIMITS.stateWriteJsonBytesMax})`;
    }
    into.push({ op: 'put', put });
  }
  return tooLarge;
}

/**
 * A step's durable ops as one write per key (the last one wins and takes the last one's place
 * in the order) and the highest truncation horizon. Puts below the horizon stay: the truncation
 * lands last and deletes them, together with any older entry under their key, which is what
 * "put, then truncate" means whatever the order of the ops.
 */
export function durableWritesOf(ops: readonly MeasuredOp[]): {
  puts: MeasuredPut[];
  truncateBelow: number;
} {
  const byKey = new Map<string, MeasuredPut>();
  let truncateBelow = 0;
  for (const op of ops) {
    if (op.op === 'truncate') {
      truncateBelow = Math.max(truncateBelow, op.belowSlot);
      continue;
    }
    byKey.delete(op.put.key);
    byKey.set(op.put.key, op.put);
  }
  return { puts: [...byKey.values()], truncateBelow };
}
