import {
  PROTOCOL_STATE_KEY,
  PROTOCOL_VERSION,
  durableVersionOf,
  durableVersionProblem,
  type DurableEntry,
  type DurableState,
  type PersistOp,
} from '@paxos/shared';
import { PROTOCOL_EXIT_CODE, ShellFatalError } from './failures';

/**
 * The shell's side of versioned durable state (docs/upgrades.md). Every process's state holds a
 * `protocol` row naming the version that last recovered it; the role never sees that row. A
 * process refuses state of a later version (an in-place downgrade) or of a version more than one
 * behind, and takes over its own version's or the previous one's (an in-place upgrade: version
 * 1 wrote no row), writing its own version first thing.
 */
export interface VersionedDurable {
  /** The state without the protocol row: what the role recovers from. */
  roleDurable: DurableState;
  /** The version that wrote it; null for a new process (no state at all). */
  storedVersion: number | null;
  /** The write that records this process's version, when the row does not say it yet. */
  stamp: PersistOp | null;
}

export function versionedDurable(processId: string, durable: DurableState): VersionedDurable {
  const row = durable.get(PROTOCOL_STATE_KEY);
  const roleDurable = row === undefined ? durable : withoutRow(durable, PROTOCOL_STATE_KEY);
  const read = durableVersionOf(row?.value, roleDurable.size > 0);
  if (!read.ok) {
    throw new ShellFatalError(
      `cannot recover ${processId} from its durable state: durable state row ` +
        `"${PROTOCOL_STATE_KEY}" is unreadable: ${read.problem}`,
      3,
    );
  }
  const stored = read.version;
  const problem = stored === null ? null : durableVersionProblem(stored);
  if (problem !== null) {
    throw new ShellFatalError(`${processId} will not start: ${problem}`, PROTOCOL_EXIT_CODE);
  }
  const stamp: PersistOp | null =
    stored === PROTOCOL_VERSION
      ? null
      : { op: 'put', key: PROTOCOL_STATE_KEY, slot: null, value: PROTOCOL_VERSION };
  return { roleDurable, storedVersion: stored, stamp };
}

function withoutRow(durable: DurableState, key: string): DurableState {
  const rest = new Map<string, DurableEntry>(durable);
  rest.delete(key);
  return rest;
}
