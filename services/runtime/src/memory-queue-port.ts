import { randomUUID } from 'node:crypto';
import type { DurableEntry } from '@paxos/shared';
import type { ClaimedMessage, QueuePort, StepCommit } from './queue-port';
import { Wakeup } from './wakeup';

interface StoredMessage {
  id: string;
  dst: string;
  payload: string;
  seq: number;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number;
}

/**
 * The queue and durable state in this process's memory, with the same semantics as the
 * SQL queries (leases, owner-only acks, epochs and fencing, atomic step commits). It
 * backs the role host's unit tests and the "protocol cost only" benchmark; it is not
 * durable, so it is never used by a deployed service.
 */
export class MemoryQueue {
  private seq = 0;
  readonly messages = new Map<string, StoredMessage>();
  readonly durable = new Map<string, Map<string, DurableEntry>>();
  readonly epochs = new Map<string, number>();
  readonly deadLetters: Array<{ id: string; dst: string; payload: string; reason: string }> = [];
  private readonly arrivals = new Map<string, Wakeup>();
  commits = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

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

  port(waitMs = 1_000): QueuePort {
    return {
      claimEpoch: async (processId) => {
        const epoch = (this.epochs.get(processId) ?? 0) + 1;
        this.epochs.set(processId, epoch);
        return epoch;
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
        this.deadLetters.push({ id, dst: m.dst, payload: m.payload, reason });
      },
      release: async (owner, ids) => {
        for (const id of ids) {
          const m = this.messages.get(id);
          if (m && m.leaseOwner === owner) {
            m.leaseOwner = null;
            m.leaseUntil = 0;
            this.arrival(m.dst).notify();
          }
        }
      },
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

  /** All or nothing, fenced by the epoch, like neurelo/queries/step_commit.sql. */
  stepCommit(c: StepCommit): { fenced: boolean } {
    if (this.epochs.get(c.processId) !== c.epoch) return { fenced: false };
    const owner = `${c.processId}#${c.epoch}`;
    for (const id of c.acks) {
      if (this.messages.get(id)?.leaseOwner === owner) this.messages.delete(id);
    }
    let state = this.durable.get(c.processId);
    if (!state) {
      state = new Map();
      this.durable.set(c.processId, state);
    }
    for (const p of c.puts) state.set(p.key, { slot: p.slot, value: structuredClone(p.value) });
    if (c.truncateBelow > 0) {
      const written = new Set(c.puts.map((p) => p.key));
      for (const [key, e] of state) {
        if (e.slot !== null && e.slot < c.truncateBelow && !written.has(key)) state.delete(key);
      }
    }
    for (const s of c.sends) this.push(s.dst, s.payload, s.id ?? randomUUID());
    this.commits += 1;
    return { fenced: true };
  }
}
