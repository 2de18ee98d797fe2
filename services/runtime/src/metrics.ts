import { PROTOCOL_VERSION } from '@paxos/shared';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus instruments every role service exposes on GET /metrics. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly messagesIn: Counter<'type'>;
  readonly messagesOut: Counter<'type'>;
  readonly ignored: Counter<'reason'>;
  readonly deadLetters: Counter<'reason'>;
  readonly retentionRemoved: Counter<'kind'>;
  readonly unknownDestinationRows: Gauge;
  readonly deadLetterRows: Gauge;
  readonly stepSeconds: Histogram;
  readonly commitSeconds: Histogram;
  readonly claimSeconds: Histogram;
  readonly commitRetries: Counter;
  readonly inboxDepth: Gauge;
  readonly epoch: Gauge;

  constructor(processId: string, role: string) {
    this.registry.setDefaultLabels({ process_id: processId, role });
    // The default 10 ms event-loop probe alone costs ~0.8% of a core per idle process; a
    // 1 s resolution is plenty for a lag gauge and keeps an idle fleet idle.
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'paxos_process_',
      eventLoopMonitoringPrecision: 1_000,
    });
    const r = [this.registry];
    this.messagesIn = new Counter({
      name: 'paxos_messages_in_total',
      help: 'Messages handled, by type',
      labelNames: ['type'],
      registers: r,
    });
    this.messagesOut = new Counter({
      name: 'paxos_messages_out_total',
      help: 'Messages sent, by type',
      labelNames: ['type'],
      registers: r,
    });
    this.ignored = new Counter({
      name: 'paxos_messages_ignored_total',
      help: 'Duplicate or stale messages ignored by the role, by reason',
      labelNames: ['reason'],
      registers: r,
    });
    this.deadLetters = new Counter({
      name: 'paxos_dead_letters_total',
      help: 'Messages moved to the dead-letter table, by reason (invalid-json, invalid-message, protocol-version, poison-attempts, step-threw, commit-refused, too-large)',
      labelNames: ['reason'],
      registers: r,
    });
    this.retentionRemoved = new Counter({
      name: 'paxos_retention_removed_total',
      help: 'Rows removed by queue retention, by kind (unknown-destination, dead-letter)',
      labelNames: ['kind'],
      registers: r,
    });
    this.unknownDestinationRows = new Gauge({
      name: 'paxos_queue_unknown_destination_rows',
      help: 'Queued messages for destinations no process has claimed, at the last retention run',
      registers: r,
    });
    this.deadLetterRows = new Gauge({
      name: 'paxos_dead_letter_rows',
      help: 'Rows in the dead-letter table, at the last retention run',
      registers: r,
    });
    const latencyBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
    this.stepSeconds = new Histogram({
      name: 'paxos_step_duration_seconds',
      help: 'Time spent in the pure role step for one batch of messages',
      buckets: latencyBuckets,
      registers: r,
    });
    this.commitSeconds = new Histogram({
      name: 'paxos_commit_duration_seconds',
      help: 'Latency of the atomic step commit (ack + persist + send)',
      buckets: latencyBuckets,
      registers: r,
    });
    this.claimSeconds = new Histogram({
      name: 'paxos_lease_duration_seconds',
      help: 'Latency of a lease (claim) request that returned messages',
      buckets: latencyBuckets,
      registers: r,
    });
    this.commitRetries = new Counter({
      name: 'paxos_commit_retries_total',
      help: 'Step commits retried because the data API was unavailable',
      registers: r,
    });
    this.inboxDepth = new Gauge({
      name: 'paxos_inbox_depth',
      help: 'Leased messages waiting for the next step',
      registers: r,
    });
    this.epoch = new Gauge({
      name: 'paxos_epoch',
      help: 'This incarnation of the process (fencing epoch)',
      registers: r,
    });
    // Before a reconfiguration every member must run version 2 or later (docs/upgrades.md);
    // version 1 had no such gauge, so its absence means version 1.
    new Gauge({
      name: 'paxos_protocol_version',
      help: 'The protocol version this process speaks and writes (absent: version 1)',
      registers: r,
    }).set(PROTOCOL_VERSION);
  }
}

/** The first word of a role note, as a bounded metric label. */
export function noteReason(note: string): string {
  const word = /^[a-z-]+/i.exec(note)?.[0]?.toLowerCase() ?? 'other';
  return ['duplicate', 'stale', 'ignored', 'preempted', 'unknown'].includes(word) ? word : 'other';
}
