import {
  LIMITS,
  stepCommitVariablesOf,
  unstorableCharAt,
  type DurableEntry,
  type DurableState,
} from '@paxos/shared';
import type { PlannedCommit } from '@paxos/runtime';
import { hasUnstorableEscape } from '../checkers/limits-checker';
import { commitBodyBytesBound } from './body-bound';

/** A row a commit queued: what a claim of `dst` returns (the payload as it was sent). */
export type QueuedSend = PlannedCommit['sends'][number];

/** What the simulated data API answers to a step commit. */
export type SimCommitAnswer =
  | { kind: 'committed'; sends: QueuedSend[] }
  | { kind: 'refused'; detail: string }
  | { kind: 'fenced' };

/** A durable row with the write that made it: a put lands only if it is newer. */
interface VersionedEntry extends DurableEntry {
  epoch: number;
  writeSeq: number;
}

/** A background commit handed out and not landed yet (lost if its process crashes first). */
interface PendingCommit {
  epoch: number;
  commit: PlannedCommit;
}

/**
 * The data API and the PostgreSQL behind it, as the shell core meets them, under the real
 * server's rules (neurelo/queries/step_commit.sql, services/neurelo-local):
 *   - a request body over LIMITS.dataApiBodyBytesMax is refused (413), measured on the very text
 *     QueueApi sends (stepCommitVariablesOf, then JSON.stringify) whenever a bound from string
 *     lengths (body-bound.ts) does not already rule it out: whatever the shell planned, and
 *     whatever bodyBytes it recorded;
 *   - a value jsonb cannot hold (NUL, a lone surrogate) or a key or payload text cannot hold is
 *     refused (400);
 *   - a commit of an epoch other than the process's latest is fenced;
 *   - a put lands only if newer by (epoch, writeSeq) than what its key holds; truncation drops
 *     entries with a slot below the horizon; the sends are queued (the simulator hands them to
 *     the network); acks are ignored, because the simulated network already delivers at least
 *     once.
 * Background commits land later, in order, unless the process crashes first.
 */
export class SimDataApi {
  private readonly rows = new Map<string, Map<string, VersionedEntry>>();
  private readonly latestEpoch = new Map<string, number>();
  private readonly pending = new Map<string, PendingCommit[]>();
  private readonly bodyBytesMax: number;

  constructor(bodyBytesMax: number = LIMITS.dataApiBodyBytesMax) {
    this.bodyBytesMax = bodyBytesMax;
  }

  /** A new incarnation of `processId` (epoch_claim): every older one is fenced from now on. */
  claimEpoch(processId: string): number {
    const epoch = (this.latestEpoch.get(processId) ?? 0) + 1;
    this.latestEpoch.set(processId, epoch);
    return epoch;
  }

  /** The durable map, after every background commit handed out so far has landed. */
  load(processId: string): DurableState {
    this.landPending(processId, Infinity);
    const out = new Map<string, DurableEntry>();
    for (const [key, e] of this.rowsOf(processId)) out.set(key, { slot: e.slot, value: e.value });
    return out;
  }

  /** Entries held for `processId`. */
  size(processId: string): number {
    return this.rowsOf(processId).size;
  }

  /** The original in-memory design: the process's rows are gone (--volatile-acceptors). */
  wipe(processId: string): void {
    this.rows.set(processId, new Map());
  }

  /** The process crashed: its background commits in flight never land. */
  crash(processId: string): void {
    this.pending.delete(processId);
  }

  /**
   * A foreground step commit, answered at once. `valueJsons`: the puts' values as JSON text
   * (JSON.stringify), when the caller has made them already.
   */
  commit(
    processId: string,
    epoch: number,
    commit: PlannedCommit,
    valueJsons: readonly string[] = valueJsonsOf(commit),
  ): SimCommitAnswer {
    const refusal = this.refusalOf(processId, epoch, commit, valueJsons);
    if (refusal !== null) return { kind: 'refused', detail: refusal };
    if (epoch !== this.latestEpoch.get(processId)) return { kind: 'fenced' };
    return { kind: 'committed', sends: this.apply(processId, epoch, commit) };
  }

  /**
   * A background commit: checked now (the shell's plan is final), landing when `landPending`
   * reaches it. Returns the refusal, or null when it was queued.
   */
  commitLater(
    processId: string,
    epoch: number,
    commit: PlannedCommit,
    valueJsons: readonly string[] = valueJsonsOf(commit),
  ): string | null {
    const refusal = this.refusalOf(processId, epoch, commit, valueJsons);
    if (refusal !== null) return refusal;
    const queue = this.pending.get(processId) ?? [];
    queue.push({ epoch, commit });
    this.pending.set(processId, queue);
    return null;
  }

  /** Lands the background commits of `processId` numbered up to `writeSeq`, in order. */
  landPending(processId: string, writeSeq: number): void {
    const queue = this.pending.get(processId);
    if (queue === undefined) return;
    while (queue.length > 0 && queue[0]!.commit.writeSeq <= writeSeq) {
      const { epoch, commit } = queue.shift()!;
      // A newer incarnation fences it: the statement changes nothing.
      if (epoch === this.latestEpoch.get(processId)) this.apply(processId, epoch, commit);
    }
  }

  /** Why the server would answer 400/413, or null. */
  refusalOf(
    processId: string,
    epoch: number,
    commit: PlannedCommit,
    valueJsons: readonly string[] = valueJsonsOf(commit),
  ): string | null {
    if (valueJsons.length !== commit.puts.length) throw new Error('one JSON text per put');
    const bodyBytes = this.bodyBytesOver(processId, epoch, commit, valueJsons);
    if (bodyBytes !== null) {
      return `request body of ${bodyBytes} bytes is too large (limit ${this.bodyBytesMax})`;
    }
    for (const [i, put] of commit.puts.entries()) {
      if (unstorableCharAt(put.key) >= 0)
        return `put key ${JSON.stringify(put.key)} is not storable text`;
      if (hasUnstorableEscape(valueJsons[i]!)) {
        return `put ${put.key}: unsupported Unicode escape sequence (jsonb)`;
      }
    }
    for (const send of commit.sends) {
      if (send.payload.includes('\u0000') || unstorableCharAt(send.dst) >= 0) {
        return `send ${send.id} to ${send.dst}: invalid byte sequence (text)`;
      }
    }
    return null;
  }

  /** The commit's exact body bytes if they are over the limit, else null. */
  private bodyBytesOver(
    processId: string,
    epoch: number,
    commit: PlannedCommit,
    valueJsons: readonly string[],
  ): number | null {
    if (commitBodyBytesBound(processId, epoch, commit, valueJsons) <= this.bodyBytesMax) {
      return null;
    }
    const body = JSON.stringify(
      stepCommitVariablesOf({
        processId,
        epoch,
        writeSeq: commit.writeSeq,
        acks: commit.acks,
        puts: commit.puts,
        truncateBelow: commit.truncateBelow,
        sends: commit.sends,
      }),
    );
    // The bytes the HTTP client sends (Node encodes the body as UTF-8), counted natively.
    const bodyBytes = Buffer.byteLength(body, 'utf8');
    return bodyBytes > this.bodyBytesMax ? bodyBytes : null;
  }

  private apply(processId: string, epoch: number, commit: PlannedCommit): QueuedSend[] {
    // step_commit.sql: "put, then truncate"; each row written only by a newer (epoch,
    // writeSeq), and the truncation deletes only older rows.
    const rows = this.rowsOf(processId);
    const cut = commit.truncateBelow;
    const isOlder = (e: VersionedEntry): boolean =>
      e.epoch < epoch || (e.epoch === epoch && e.writeSeq < commit.writeSeq);
    const kept = commit.puts.filter((p) => cut <= 0 || p.slot === null || p.slot >= cut);
    const keptKeys = new Set(kept.map((p) => p.key));
    const requestedKeys = new Set(commit.puts.map((p) => p.key));
    for (const put of kept) {
      const held = rows.get(put.key);
      if (held === undefined || isOlder(held)) {
        rows.set(put.key, { slot: put.slot, value: put.value, epoch, writeSeq: commit.writeSeq });
      }
    }
    if (cut > 0) {
      for (const [key, e] of rows) {
        if (keptKeys.has(key) || !isOlder(e)) continue;
        if ((e.slot !== null && e.slot < cut) || requestedKeys.has(key)) rows.delete(key);
      }
    }
    return commit.sends;
  }

  private rowsOf(processId: string): Map<string, VersionedEntry> {
    let rows = this.rows.get(processId);
    if (rows === undefined) {
      rows = new Map();
      this.rows.set(processId, rows);
    }
    return rows;
  }
}

/** Each put's value as the JSON text the request body embeds. */
export function valueJsonsOf(commit: PlannedCommit): string[] {
  return commit.puts.map((put) => JSON.stringify(put.value) ?? 'null');
}
