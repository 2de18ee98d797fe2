import { randomUUID } from 'node:crypto';
import type { DurableEntry } from '@paxos/shared';
import type { ClaimedMessage, EpochClaim, QueuePort, StepCommit } from './queue-port';
import { Wakeup } from './wakeup';

interface StoredMessage {
  id: string;
  dst: string;
  payload: string;
  seq: number;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number;
  insertedAt: number;
}

interface EpochRow {
  epoch: number;
  holder: string | null;
  /** On this queue's clock; 0: released (or never set). */
  leaseUntil: number;
}

/** The (epoch, writeSeq) of the commit that last wrote a durable row. */
interface WriteVersion {
  epoch: number;
  writeSeq: number;
}

/**
 * The queue and durable state in this process's memory, with the same semantics as the
 * SQL queries (leases, owner-only acks, epochs with their leases and fencing, ordered state
 * writes, atomic step commits, retention). It backs the role host's unit tests and the
 * "protocol cost only" benchmark; it is not durable, so it is never used by a deployed service.
 */
export class MemoryQueue {
  private seq = 0;
  readonly messages = new Map<string, StoredMessage>();
  readonly durable = new Map<string, Map<string, DurableEntry>>();
  private readonly versions = new Map<string, Map<string, WriteVersion>>();
  readonly epochs = new Map<string, EpochRow>();
  readonly deadLetters: Array<{
    id: string;
    dst: string;
    payload: string;
    reason: string;
    failedAt: number;
  }> = [];
  private readonly arrivals = new Map<string, Wakeup>();
  commits = 0;

  /** `now`: a monotonic clock in ms (tests pass their own). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  push(dst: string, payload: string, id: string = randomUUID()): void {
    if (this.messages.has(id)) return;
    this.messages.set(id, {
      id,
      dst,
      payload,
      seq: ++this.seq,
      attempts: 0,
      leaseOwner: null,
      leaseUntil: 0,
      insertedAt: this.now(),
    });
    this.arrival(dst).notify();
  }

  private arrival(dst: string): Wakeup {
    let w = this.arrivals.get(dst);
    if (!w) {
      w = new Wakeup();
      this.arrivals.set(dst, w);
    }
    return w;
  }

  depth(dst: string): number {
    let n = 0;
    for (const m of this.messages.values()) if (m.dst === dst) n += 1;
    return n;
  }

  /** The current epoch of `processId` (0: never claimed). */
  epochOf(processId: string): number {
    return this.epochs.get(processId)?.epoch ?? 0;
  }

  /** epoch_claim: granted to a new holder only once the current holder's lease has lapsed. */
  claimEpoch(processId: string, holder: string, leaseMs: number): EpochClaim {
    const now = this.now();
    const row = this.epochs.get(processId);
    if (row && row.holder !== holder && row.leaseUntil > now) {
      return { granted: false, epoch: row.epoch, retryInMs: Math.ceil(row.leaseUntil - now) };
    }
    const epoch = (row?.epoch ?? 0) + 1;
    this.epochs.set(processId, { epoch, holder, leaseUntil: now + leaseMs });
    return { granted: true, epoch, retryInMs: 0 };
  }

  port(waitMs = 1_000): QueuePort {
    return {
      claimEpoch: async ({ processId, holder, leaseMs }) =>
        this.claimEpoch(processId, holder, leaseMs),
      renewEpoch: async ({ processId, epoch, leaseMs }) => {
        const row = this.epochs.get(processId);
        if (!row || row.epoch !== epoch) return false;
        row.leaseUntil = this.now() + leaseMs;
        return true;
      },
      releaseEpoch: async ({ processId, epoch }) => {
        const row = this.epochs.get(processId);
        if (row && row.epoch === epoch) row.leaseUntil = 0;
      },
      reclaim: async (dst, owner) => {
        let n = 0;
        for (const m of this.messages.values()) {
          if (m.dst === dst && m.leaseOwner !== null && m.leaseOwner !== owner) {
            m.leaseOwner = null;
            m.leaseUntil = 0;
            n += 1;
          }
        }
        return n;
      },
      loadDurable: async (owner) => new Map(this.durable.get(owner) ?? []),
      claim: async ({ dst, owner, limit, leaseMs, signal }) => {
        const deadline = this.now() + waitMs;
        for (;;) {
          const rows = this.claimNow(dst, owner, limit, leaseMs);
          if (rows.length > 0 || signal?.aborted || this.now() >= deadline) return rows;
          const wake = this.arrival(dst);
          // One listener per wait, removed when the wait ends (they would pile up otherwise).
          const onAbort = (): void => wake.notify();
          signal?.addEventListener('abort', onAbort, { once: true });
          try {
            await wake.wait(deadline - this.now());
          } finally {
            signal?.removeEventListener('abort', onAbort);
          }
        }
      },
      stepCommit: async (c: StepCommit) => this.stepCommit(c),
      deadLetter: async (owner, id, reason) => {
        const m = this.messages.get(id);
        if (!m || m.leaseOwner !== owner) return;
        this.messages.delete(id);
        this.deadLetters.push({ id, dst: m.dst, payload: m.payload, reason, failedAt: this.now() });
      },
      release: async (owner, ids) => {
        for (const id of ids) {
          const m = this.messages.get(id);
          if (m && m.leaseOwner === owner) {
            m.leaseOwner = null;
            m.leaseUntil = 0;
            // A handed-back delivery does not count against the message (queue_release).
            m.attempts = Math.max(0, m.attempts - 1);
            this.arrival(m.dst).notify();
          }
        }
      },
      retention: async ({ unknownAfterMs, deadLetterAfterMs, batchLimit }) =>
        this.retention(unknownAfterMs, deadLetterAfterMs, batchLimit),
    };
  }

  private claimNow(dst: string, owner: string, limit: number, leaseMs: number): ClaimedMessage[] {
    const now = this.now();
    const out: ClaimedMessage[] = [];
    const candidates = [...this.messages.values()]
      .filter((m) => m.dst === dst && (m.leaseOwner === null || m.leaseUntil < now))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
    for (const m of candidates) {
      m.leaseOwner = owner;
      m.leaseUntil = now + leaseMs;
      m.attempts += 1;
      out.push({ id: m.id, payload: m.payload, attempts: m.attempts, seq: m.seq });
    }
    return out;
  }

  /**
   * All or nothing, fenced by the epoch, like neurelo/queries/step_commit.sql: a put lands only
   * if the row was last written by an older (epoch, writeSeq); "put, then truncate".
   */
  stepCommit(c: StepCommit): { fenced: boolean } {
    if (this.epochOf(c.processId) !== c.epoch) return { fenced: false };
    const owner = `${c.processId}#${c.epoch}`;
    for (const id of c.acks) {
      if (this.messages.get(id)?.leaseOwner === owner) this.messages.delete(id);
    }
    const state = this.mapOf(this.durable, c.processId);
    const versions = this.mapOf(this.versions, c.processId);
    const requested = new Set(c.puts.map((p) => p.key));
    const kept = c.puts.filter(
      (p) => c.truncateBelow <= 0 || p.slot === null || p.slot >= c.truncateBelow,
    );
    for (const p of kept) {
      const version = versions.get(p.key);
      const newer =
        version === undefined ||
        version.epoch < c.epoch ||
        (version.epoch === c.epoch && version.writeSeq < c.writeSeq);
      if (!newer) continue;
      state.set(p.key, { slot: p.slot, value: structuredClone(p.value) });
      versions.set(p.key, { epoch: c.epoch, writeSeq: c.writeSeq });
    }
    if (c.truncateBelow > 0) {
      const keptKeys = new Set(kept.map((p) => p.key));
      for (const [key, e] of state) {
        if (keptKeys.has(key)) continue;
        if ((e.slot !== null && e.slot < c.truncateBelow) || requested.has(key)) {
          state.delete(key);
          versions.delete(key);
        }
      }
    }
    for (const s of c.sends) this.push(s.dst, s.payload, s.id ?? randomUUID());
    this.commits += 1;
    return { fenced: true };
  }

  /** queue_retention: messages for destinations without an epoch row, and dead letters, by age. */
  retention(
    unknownAfterMs: number,
    deadLetterAfterMs: number,
    batchLimit: number,
  ): {
    removedUnknown: number;
    removedDeadLetters: number;
    unknownRows: number;
    deadLetterRows: number;
  } {
    const now = this.now();
    let removedUnknown = 0;
    for (const m of [...this.messages.values()]) {
      if (removedUnknown >= batchLimit) break;
      if (!this.epochs.has(m.dst) && m.insertedAt < now - unknownAfterMs) {
        this.messages.delete(m.id);
        removedUnknown += 1;
      }
    }
    const before = this.deadLetters.length;
    let budget = batchLimit;
    const keep = this.deadLetters.filter((d) => {
      if (budget > 0 && d.failedAt < now - deadLetterAfterMs) {
        budget -= 1;
        return false;
      }
      return true;
    });
    this.deadLetters.splice(0, this.deadLetters.length, ...keep);
    let unknownRows = 0;
    for (const m of this.messages.values()) if (!this.epochs.has(m.dst)) unknownRows += 1;
    return {
      removedUnknown,
      removedDeadLetters: before - keep.length,
      unknownRows,
      deadLetterRows: this.deadLetters.length,
    };
  }

  private mapOf<V>(maps: Map<string, Map<string, V>>, owner: string): Map<string, V> {
    let map = maps.get(owner);
    if (!map) {
      map = new Map();
      maps.set(owner, map);
    }
    return map;
  }
}
