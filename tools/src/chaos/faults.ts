import { findLibfaketime } from './clock-control';
import { PrivatePostgres } from './private-postgres';

/**
 * The nemesis's fault kinds and the deliberately broken configurations a chaos run must catch.
 * ALL_FAULTS are the faults of processes, links, clocks and the database: the default set.
 * `reconfigure` (a member replaced by a new one, issue 18) is asked for by name or by the chaos
 * tool's `--reconfigure`, so a run that names no faults (chaos, soak) keeps its membership.
 */
export const ALL_FAULTS = ['kill', 'pause', 'partition', 'clock', 'db'] as const;
export const FAULT_KINDS = [...ALL_FAULTS, 'reconfigure'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * The default: every kind this machine can run. The clock fault needs libfaketime and the db
 * fault PostgreSQL's server binaries; a missing one is named with how to install it.
 */
export function availableFaults(log: (line: string) => void = console.log): FaultKind[] {
  const missing: string[] = [];
  if (!findLibfaketime()) missing.push('clock (apt-get install faketime)');
  if (!PrivatePostgres.findBinaries()) missing.push('db (apt-get install postgresql)');
  if (missing.length) log(`faults left out, not installed here: ${missing.join(', ')}`);
  return ALL_FAULTS.filter((k) => !missing.some((m) => m.startsWith(k)));
}

/** `kill,pause,...` -> the kinds, in FAULT_KINDS order; throws a message naming a bad one. */
export function parseFaults(text: string): FaultKind[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 1 && names[0] === 'none') return [];
  for (const n of names) {
    if (!(FAULT_KINDS as readonly string[]).includes(n)) {
      throw new Error(
        `--faults: unknown fault "${n}"; choose from ${FAULT_KINDS.join(', ')} (or none)`,
      );
    }
  }
  return FAULT_KINDS.filter((k) => names.includes(k));
}

/** The kinds with `reconfigure` added (the chaos tool's `--reconfigure`). */
export function withReconfigure(kinds: readonly FaultKind[]): FaultKind[] {
  return FAULT_KINDS.filter((k) => k === 'reconfigure' || kinds.includes(k));
}

/**
 * Broken configurations, each meant to be caught by one fault (a non-zero exit):
 * - unlogged-state (db): the roles' durable state and epochs are UNLOGGED, so a database crash
 *   empties them: the roles find themselves fenced, restart, and recover from nothing.
 * - unlogged-queue (db, not caught): the queue table is UNLOGGED (the bench's variant), so a
 *   crash empties it. Paxos tolerates lost messages: the leaders and replicas retransmit, so
 *   this costs latency, not safety.
 * - async-commit (db, not caught): commits do not wait for their WAL flush (the bench's variant). A crash of
 *   PostgreSQL alone loses at most the WAL not yet handed to the OS (under a page), which the
 *   protocol mostly re-derives: it is shown here, and caught only when the machine itself loses
 *   power, which this tool cannot do (docs/testing.md).
 * - local-reads (pause, partition): replicas answer `get` from their own state at once, without
 *   the log, so a replica that is paused or cut off answers stale values.
 */
export const BROKEN_CONFIGURATIONS = [
  'unlogged-state',
  'unlogged-queue',
  'async-commit',
  'local-reads',
] as const;
export type BrokenConfiguration = (typeof BROKEN_CONFIGURATIONS)[number];

export function parseBroken(text: string | undefined): BrokenConfiguration | undefined {
  if (text === undefined || text === '') return undefined;
  if (!(BROKEN_CONFIGURATIONS as readonly string[]).includes(text)) {
    throw new Error(
      `--broken: unknown configuration "${text}"; choose from ${BROKEN_CONFIGURATIONS.join(', ')}`,
    );
  }
  return text as BrokenConfiguration;
}
