import {
  BatchSchema,
  CorruptStateError,
  parseDurableValue,
  type DurableState,
  type PersistOp,
  type StepResult,
} from '@paxos/shared';
import { assertReplicaConfig, type ReplicaConfig } from './config';
import {
  ChangeRowSchema,
  INCARNATION_KEY,
  IncarnationSchema,
  SNAPSHOT_KEY,
  SnapshotHeadSchema,
  SnapshotPartSchema,
  changeKey,
  isChangeKey,
  isDecisionKey,
  snapshotPartKey,
  type SnapshotPart,
} from './durable';
import { performDecided } from './perform';
import { refreshRetryTimer } from './retry-timer';
import { joinsUnseenConfiguration, loadSnapshot, wantSnapshot } from './state-transfer';
import { newReplicaState, type ReplicaState } from './state';
import {
  appliedEnvelope,
  changeRowWrite,
  newWatchHistory,
  restoreSlot,
  trimHistory,
} from './watch-history';

/**
 * Rebuilds a replica from its snapshot plus the decisions persisted after it. The replay is
 * silent: each response went out in the step that first applied its slot. Pending requests and
 * proposals are not durable; clients retry, and a proposal made before the crash that still
 * wins its slot only costs a requeue or a skipped duplicate. Every row is parsed with
 * parseDurableValue: a row that does not read back is a CorruptStateError naming it, and the
 * service stops rather than run on a state it does not know.
 */
export function recoverReplica(
  config: ReplicaConfig,
  durable: DurableState,
  now: number,
): StepResult<ReplicaState> {
  assertReplicaConfig(config);
  const state = newReplicaState(config);
  const previous = durable.get(INCARNATION_KEY);
  state.incarnation =
    (previous ? parseDurableValue(INCARNATION_KEY, previous.value, IncarnationSchema) : 0) + 1;
  restoreSnapshot(state, durable);
  restoreHistory(state, durable);
  const replayFrom = state.slotOut;
  for (const [key, entry] of durable) {
    if (!isDecisionKey(key)) continue;
    if (entry.slot === null)
      throw new CorruptStateError(key, 'slot: a decision row carries its slot');
    if (entry.slot < state.slotOut) continue;
    state.decisions.set(entry.slot, parseDurableValue(key, entry.value, BatchSchema));
    state.highestDecidedSlot = Math.max(state.highestDecidedSlot, entry.slot);
  }
  performDecided(state, null);
  trimHistory(state);
  // The replayed slots' rows were written in the steps that first applied them, unless a crash
  // came between that step's commits: write what is missing, so the history outlives the
  // decisions the next snapshot truncates.
  const persist: PersistOp[] = [
    { op: 'put', key: INCARNATION_KEY, slot: null, value: state.incarnation },
  ];
  for (const entry of state.history.slots.values()) {
    if (entry.slot >= replayFrom && !durable.has(changeKey(entry.slot))) {
      persist.push(changeRowWrite(state, entry));
    }
  }
  state.slotIn = state.slotOut;
  // A new member (not an initial replica, no state of its own) joins through a reconfiguration:
  // it starts from another replica's snapshot, never from slot 1 (those may be collected). So
  // does one restarted from a snapshot that predates the configuration it joins.
  if (joinsUnseenConfiguration(state)) wantSnapshot(state);
  refreshRetryTimer(state, now, true);
  return {
    state,
    persist,
    // The watch feed starts from what this recovery made durable.
    send: [appliedEnvelope(state)],
    notes: [
      `replica ${config.id} incarnation ${state.incarnation} resumes at slot ${state.slotOut}`,
    ],
  };
}

/** Reads the head and exactly the parts it names; anything missing or unreadable is corrupt. */
function restoreSnapshot(state: ReplicaState, durable: DurableState): void {
  const headEntry = durable.get(SNAPSHOT_KEY);
  if (!headEntry) return;
  const head = parseDurableValue(SNAPSHOT_KEY, headEntry.value, SnapshotHeadSchema);
  const parts: SnapshotPart[] = [];
  for (let part = 0; part < head.parts; part++) {
    const key = snapshotPartKey(head.slotOut, part);
    const entry = durable.get(key);
    if (!entry) {
      throw new CorruptStateError(
        key,
        `missing: the snapshot head names ${head.parts} part(s) at slotOut ${head.slotOut}`,
      );
    }
    const value = parseDurableValue(key, entry.value, SnapshotPartSchema);
    if (value.slotOut !== head.slotOut || value.part !== part) {
      throw new CorruptStateError(
        key,
        `slotOut/part: holds part ${value.part} of slotOut ${value.slotOut}, ` +
          `expected part ${part} of slotOut ${head.slotOut}`,
      );
    }
    parts.push(value);
  }
  const problem = loadSnapshot(state, {
    slotOut: head.slotOut,
    parts,
    configs: head.configs ?? state.configs,
    formerMembers: head.formerMembers ?? [],
  });
  if (problem !== null) throw new CorruptStateError(SNAPSHOT_KEY, problem);
  state.history = newWatchHistory(head.watchFromSlot ?? head.slotOut);
}

/**
 * The change history below the snapshot, from its rows (watch-history.ts); the slots from the
 * snapshot on are replayed from their decisions, which records their changes again. Rows
 * below the history's first slot (expired, or from before an installed snapshot) are ignored.
 */
function restoreHistory(state: ReplicaState, durable: DurableState): void {
  const rows = [];
  for (const [key, entry] of durable) {
    if (!isChangeKey(key)) continue;
    const row = parseDurableValue(key, entry.value, ChangeRowSchema);
    if (row.slot >= state.history.fromSlot && row.slot < state.slotOut) rows.push(row);
  }
  rows.sort((a, b) => a.slot - b.slot);
  for (const row of rows) restoreSlot(state, row);
}
