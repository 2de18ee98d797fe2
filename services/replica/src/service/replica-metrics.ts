import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReplicaState } from '../role/state';
import type { ClientErrorCode } from './http-io';
import type { PendingCommands } from './pending-commands';

/** The replica's own metrics, beside the shell's (runtime/src/metrics.ts). */
export class ReplicaMetrics {
  readonly latency: Histogram<'op'>;
  readonly clientErrors: Counter<'code'>;
  private readonly slotOut: Gauge;
  private readonly sessions: Gauge;
  private readonly kvKeys: Gauge;
  private readonly kvBytes: Gauge;
  private readonly cachedAnswerBytes: Gauge;
  private readonly refusals: Gauge<'kind'>;
  private readonly pendingCommands: Gauge;
  private readonly pendingCommandBytes: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.latency = new Histogram({
      name: 'paxos_client_command_duration_seconds',
      help: 'Client command latency, from POST /commands (or /sessions) to the answer',
      labelNames: ['op'],
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.clientErrors = new Counter({
      name: 'paxos_replica_client_errors_total',
      help: 'Error answers to clients, by code (docs/limits-and-errors.md)',
      labelNames: ['code'],
      registers,
    });
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    this.slotOut = gauge(
      'paxos_replica_slot_out',
      'The first slot this replica has not applied yet',
    );
    this.sessions = gauge('paxos_replica_sessions', 'Client sessions in the session table');
    this.kvKeys = gauge('paxos_replica_kv_keys', 'Keys in the replicated store');
    this.kvBytes = gauge('paxos_replica_kv_bytes', 'UTF-8 bytes of the store keys and values');
    this.cachedAnswerBytes = gauge(
      'paxos_replica_cached_answer_bytes',
      'JSON bytes of the cached answers values',
    );
    this.refusals = new Gauge({
      name: 'paxos_replica_refusals',
      help: 'Commands refused by the role since it started, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.pendingCommands = gauge(
      'paxos_replica_pending_commands',
      'HTTP requests held waiting for their command',
    );
    this.pendingCommandBytes = gauge(
      'paxos_replica_pending_command_bytes',
      'Body bytes of the HTTP requests held waiting for their command',
    );
  }

  countError(code: ClientErrorCode): void {
    this.clientErrors.inc({ code });
  }

  observe(state: ReplicaState, pending: PendingCommands | null): void {
    this.slotOut.set(state.slotOut);
    this.sessions.set(state.sessions.size);
    this.kvKeys.set(state.kv.size);
    this.kvBytes.set(state.kvBytes);
    this.cachedAnswerBytes.set(state.responseValueBytes);
    this.refusals.set({ kind: 'session-unknown' }, state.counters.refusedSessionUnknown);
    this.refusals.set({ kind: 'request-too-old' }, state.counters.refusedRequestTooOld);
    this.refusals.set({ kind: 'kv-quota-exceeded' }, state.counters.refusedKvQuota);
    if (pending) {
      this.pendingCommands.set(pending.held);
      this.pendingCommandBytes.set(pending.heldBytes);
    }
  }
}
