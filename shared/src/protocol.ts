import type { Message } from './messages';

/**
 * The protocol version this code speaks (docs/upgrades.md). Version 1 is every release before
 * reconfiguration; version 2 added configurations in the log, epochs in ballots and state
 * transfer. A fleet is upgraded one member at a time, so members one version apart must work
 * together: every version accepts messages of its neighbours, and reads durable state written by
 * itself or by the version before it (an in-place upgrade), never by a later one.
 */
export const PROTOCOL_VERSION = 2;

/** What version 1 wrote, with no version anywhere: a message or a state without one is this. */
export const UNVERSIONED_PROTOCOL = 1;

/**
 * The field the shell stamps into every queued message. The message schemas do not know it:
 * zod drops unknown fields, so a version-1 member reads a stamped message as it always did.
 */
export const PROTOCOL_FIELD = 'pv';

/** The durable row (no slot: truncation never removes it) naming who last wrote the state. */
export const PROTOCOL_STATE_KEY = 'protocol';

/**
 * The most the stamp adds to a message's JSON (`"pv":N,`, N up to 9 digits): the roles' own
 * bounds leave far more room than this under LIMITS.messageJsonBytesMax.
 */
export const PROTOCOL_STAMP_JSON_BYTES_MAX = 16;

export interface VersionRange {
  lowest: number;
  highest: number;
}

/** The message versions a member of version `own` accepts: its own and its neighbours'. */
export function acceptedMessageVersions(own: number = PROTOCOL_VERSION): VersionRange {
  return { lowest: Math.max(UNVERSIONED_PROTOCOL, own - 1), highest: own + 1 };
}

/** The message as queued JSON text, stamped with the version that sent it. */
export function stampedPayload(message: Message, version: number = PROTOCOL_VERSION): string {
  // The stamp goes first, so a row read by hand (the dead letters) shows its version at once.
  return JSON.stringify({ [PROTOCOL_FIELD]: version, ...message });
}

const isVersion = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= UNVERSIONED_PROTOCOL;

/**
 * Why a member of version `own` must not take a queued message (parsed JSON), or null. An
 * object without the stamp is a version-1 message; anything else that is not an object is left
 * to the message schema to refuse.
 */
export function messageVersionProblem(
  json: unknown,
  own: number = PROTOCOL_VERSION,
): string | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const stamp = (json as Record<string, unknown>)[PROTOCOL_FIELD];
  if (stamp === undefined) return versionOutside(UNVERSIONED_PROTOCOL, own);
  if (!isVersion(stamp)) {
    return `${PROTOCOL_FIELD} must be a protocol version (an integer from 1), got ${JSON.stringify(stamp)}`;
  }
  return versionOutside(stamp, own);
}

function versionOutside(version: number, own: number): string | null {
  const { lowest, highest } = acceptedMessageVersions(own);
  if (version >= lowest && version <= highest) return null;
  return (
    `sent by protocol version ${version}; this member runs version ${own} and accepts ` +
    `versions ${lowest} to ${highest}`
  );
}

/**
 * The version that wrote a process's durable state: its protocol row's value, version 1 for
 * state without the row, null for no state at all (a new process). `row` is the row's value.
 */
export function durableVersionOf(
  row: unknown,
  hasOtherRows: boolean,
): { ok: true; version: number | null } | { ok: false; problem: string } {
  if (row === undefined) return { ok: true, version: hasOtherRows ? UNVERSIONED_PROTOCOL : null };
  if (!isVersion(row)) {
    return { ok: false, problem: `(value): not a protocol version: ${JSON.stringify(row)}` };
  }
  return { ok: true, version: row };
}

/**
 * Why a process of version `own` must not run on durable state written by version `stored`, or
 * null: a later version (an in-place downgrade; its rows may mean what this code cannot know),
 * or a version more than one behind (an upgrade that skipped a version).
 */
export function durableVersionProblem(
  stored: number,
  own: number = PROTOCOL_VERSION,
): string | null {
  if (stored > own) {
    return (
      `durable state written by protocol version ${stored}, newer than this process's ` +
      `version ${own}: an in-place downgrade is not supported (run version ${stored} or later, ` +
      `or replace the member under a new id)`
    );
  }
  if (stored < own - 1) {
    return (
      `durable state written by protocol version ${stored}, more than one version before this ` +
      `process's version ${own}: upgrade through each version in turn`
    );
  }
  return null;
}
