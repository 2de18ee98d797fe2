import {
  LIMITS,
  WATCH_FEED_DESTINATION,
  jsonStringBytes,
  type Envelope,
  type Op,
  type OpResult,
  type PersistOp,
  type Slot,
} from '@paxos/shared';
import { changeKey, type ChangeRow } from './durable';
import type { ReplicaState } from './state';

/**
 * The change history behind the watch feed (docs/watch.md): every change a decided write made to
 * the store, by slot, kept for the last `watchRetentionSlots` applied slots and at most
 * LIMITS.watchHistoryJsonBytesMax, the oldest slots dropped first.
 *
 * What is a change: a put, a cas that succeeded, and a delete of a key that was present (a
 * delete of an absent key changes nothing, and is not an event; etcd does the same). A put over
 * the quota changed nothing either.
 *
 * Durable apart from what snapshots truncate: one row per slot that changed something
 * (`change:<slot>`, its changes as tuples), written in the step that applies the slot. Its
 * durable `slot` is its EXPIRY, slot + watchRetentionSlots, so the truncation every snapshot
 * makes anyway drops it once it is out of the retention; a snapshot never truncates history it
 * must keep, and nothing else needs deleting. A slot with no change (reads, no-ops,
 * registrations) writes nothing.
 *
 * Per replica, not replicated state: replicas may keep different amounts, and a replica that
 * installs another's snapshot has no history below it (it did not apply those slots).
 */

export interface Change {
  position: number;
  key: string;
  /** null: deleted. */
  value: string | null;
}

export interface SlotChanges {
  slot: Slot;
  changes: Change[];
  /** The changes' keys and values as JSON bytes, counted against the history's bound. */
  jsonBytes: number;
}

export interface WatchHistory {
  /**
   * The history holds every change of the slots from here to slotOut - 1. 1 on a replica that
   * applied every slot itself; raised by retention, and to the slot of an installed snapshot.
   */
  fromSlot: Slot;
  /** Slots with changes, oldest first (Map order is insertion order, and slots come in order). */
  slots: Map<Slot, SlotChanges>;
  jsonBytes: number;
  /** The changes of the slot being applied, collected command by command. */
  applying: Change[];
}

export function newWatchHistory(fromSlot: Slot): WatchHistory {
  return { fromSlot, slots: new Map(), jsonBytes: 0, applying: [] };
}

/** What `op` changed, given its result, or null (a read, a refusal, a miss). */
export function changeOf(op: Op, result: OpResult): { key: string; value: string | null } | null {
  if (result.refused !== undefined) return null;
  switch (op.kind) {
    case 'put':
      return { key: op.key, value: op.value };
    case 'cas':
      return result.ok ? { key: op.key, value: op.value } : null;
    case 'delete':
      return result.value === null ? null : { key: op.key, value: null };
    case 'get':
    case 'list':
      return null;
  }
}

/** Notes a change of the slot being applied. */
export function noteChange(state: ReplicaState, position: number, op: Op, result: OpResult): void {
  const change = changeOf(op, result);
  if (change) state.history.applying.push({ position, ...change });
}

/**
 * The slot is applied: its changes join the history, and (unless replaying: `persist` null)
 * their row is written in this step. Returns whether the slot changed anything.
 */
export function closeSlot(
  state: ReplicaState,
  slot: Slot,
  persist: PersistOp[] | null,
): SlotChanges | null {
  const { history } = state;
  const changes = history.applying;
  if (changes.length === 0) return null;
  history.applying = [];
  if (slot < history.fromSlot) return null;
  const entry = addSlot(history, slot, changes);
  persist?.push(changeRowWrite(state, entry));
  return entry;
}

function addSlot(history: WatchHistory, slot: Slot, changes: Change[]): SlotChanges {
  let jsonBytes = 0;
  for (const c of changes) {
    jsonBytes += jsonStringBytes(c.key) + (c.value === null ? 4 : jsonStringBytes(c.value));
  }
  const entry = { slot, changes, jsonBytes };
  history.slots.set(slot, entry);
  history.jsonBytes += jsonBytes;
  return entry;
}

export function changeRowWrite(state: ReplicaState, entry: SlotChanges): PersistOp {
  const value: ChangeRow = {
    slot: entry.slot,
    changes: entry.changes.map((c) => [c.position, c.key, c.value]),
  };
  return {
    op: 'put',
    key: changeKey(entry.slot),
    slot: entry.slot + state.bounds.watchRetentionSlots,
    value,
  };
}

/** Puts back a slot read from its durable row (recovery). */
export function restoreSlot(state: ReplicaState, row: ChangeRow): void {
  if (row.slot < state.history.fromSlot || state.history.slots.has(row.slot)) return;
  const changes = row.changes.map(([position, key, value]) => ({ position, key, value }));
  addSlot(state.history, row.slot, changes);
}

/**
 * Drops the oldest slots past the retention (slots before slotOut - watchRetentionSlots) and
 * past the byte bound. Only the fromSlot moves in memory: the rows expire by themselves.
 */
export function trimHistory(state: ReplicaState): void {
  const { history } = state;
  const keepFrom = state.slotOut - state.bounds.watchRetentionSlots;
  if (keepFrom > history.fromSlot) history.fromSlot = keepFrom;
  for (const entry of history.slots.values()) {
    if (entry.slot >= history.fromSlot && history.jsonBytes <= LIMITS.watchHistoryJsonBytesMax) {
      break;
    }
    history.slots.delete(entry.slot);
    history.jsonBytes -= entry.jsonBytes;
    history.fromSlot = Math.max(history.fromSlot, entry.slot + 1);
  }
}

/** A snapshot from another replica is installed: nothing below it is known here. */
export function resetHistory(state: ReplicaState, fromSlot: Slot): void {
  state.history = newWatchHistory(fromSlot);
}

/** Tells this process's watch feed that the slots below slotOut are applied (after the commit). */
export function appliedEnvelope(state: ReplicaState): Envelope {
  return {
    to: WATCH_FEED_DESTINATION,
    message: { type: 'applied', from: state.config.id, slotOut: state.slotOut },
  };
}
