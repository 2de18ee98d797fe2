import {
  LIMITS,
  jsonBytes,
  jsonStringBytes,
  type PersistOp,
  type StepCollector,
} from '@paxos/shared';
import { SNAPSHOT_KEY, snapshotPartKey, type SnapshotHead, type SnapshotPart } from './durable';
import { reportedSchedule } from './membership';
import type { ReplicaState } from './state';

/** Room for a part's own fields around its arrays (`{"slotOut":…,"part":…,"kv":[],…}`). */
const PART_ENVELOPE_JSON_BYTES = 256;

/**
 * The applied state as parts of at most LIMITS.snapshotPartJsonBytesMax JSON each. One item
 * (a store entry, a session, an answer) is always smaller than a part: a key and a value, or
 * an answer's value, are each bounded far below it (LIMITS.keyCharsMax, valueJsonBytesMax).
 */
export function snapshotParts(state: ReplicaState): SnapshotPart[] {
  const slotOut = state.slotOut;
  const parts: SnapshotPart[] = [];
  const empty = (part: number): SnapshotPart => ({
    slotOut,
    part,
    kv: [],
    sessions: [],
    answers: [],
  });
  let current = empty(0);
  let items = 0;
  let bytes = PART_ENVELOPE_JSON_BYTES;
  const add = <F extends 'kv' | 'sessions' | 'answers'>(
    field: F,
    item: SnapshotPart[F][number],
    itemBytes: number,
  ): void => {
    if (items > 0 && bytes + itemBytes + 1 > LIMITS.snapshotPartJsonBytesMax) {
      parts.push(current);
      current = empty(parts.length);
      items = 0;
      bytes = PART_ENVELOPE_JSON_BYTES;
    }
    (current[field] as Array<typeof item>).push(item);
    items += 1;
    bytes += itemBytes + 1;
  };
  for (const [key, value] of state.kv) {
    add('kv', [key, value], jsonStringBytes(key) + jsonStringBytes(value) + 3);
  }
  for (const s of state.sessions.values()) {
    const row = { id: s.id, lastActiveSlot: s.lastActiveSlot, floor: s.floor };
    add('sessions', row, jsonBytes(row));
  }
  for (const a of state.responses.values()) {
    const row = {
      sessionId: a.sessionId,
      requestId: a.requestId,
      slot: a.slot,
      result: a.result,
      opDigest: a.opDigest,
    };
    add('answers', row, jsonBytes(row));
  }
  parts.push(current);
  return parts;
}

/**
 * Every snapshotEverySlots applied slots, persists the applied state and truncates the
 * decisions it covers: recovery is then snapshot + replay of later decisions.
 *
 * The writes, in order: the parts (slot = slotOut), then the head naming them, then the
 * truncation below slotOut, which also removes the previous snapshot's parts (their slot is
 * lower). The runner commits them in this order, in as many commits as their size needs, so a
 * crash at any point leaves a head whose parts are all present: the old head with its old
 * parts (not truncated yet), or the new head with its new parts.
 *
 * They go in `persistLater`: the snapshot repeats what the persisted decisions already hold,
 * so the runner writes it behind the step instead of in it. A snapshot is many parts (the
 * key-value store and the sessions); in the step it held the replica, and through
 * slot-sharing its partner, for a long time under load. Lost in a crash, it costs nothing:
 * recovery starts from the previous snapshot and the decisions it did not truncate.
 */
export function snapshotIfDue(state: ReplicaState, out: StepCollector<ReplicaState>): void {
  if (state.slotOut - state.snapshotSlotOut < state.config.snapshotEverySlots) return;
  out.persistLater.push(...snapshotWrites(state));
  for (const slot of state.decisions.keys()) {
    if (slot < state.slotOut) state.decisions.delete(slot);
  }
  state.snapshotSlotOut = state.slotOut;
  state.counters.snapshots += 1;
}

export function snapshotWrites(state: ReplicaState): PersistOp[] {
  const slotOut = state.slotOut;
  const parts = snapshotParts(state);
  const head: SnapshotHead = { slotOut, parts: parts.length };
  // Only the initial configuration so far: the head reads as it always did.
  const configs = reportedSchedule(state);
  if (configs) head.configs = configs;
  if (state.formerMembers.length > 0) head.formerMembers = state.formerMembers;
  head.watchFromSlot = state.history.fromSlot;
  return [
    ...parts.map((value): PersistOp => ({
      op: 'put',
      key: snapshotPartKey(slotOut, value.part),
      slot: slotOut,
      value,
    })),
    { op: 'put', key: SNAPSHOT_KEY, slot: null, value: head },
    { op: 'truncate', belowSlot: slotOut },
  ];
}
