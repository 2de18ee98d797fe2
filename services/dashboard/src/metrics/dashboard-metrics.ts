import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FleetView } from '../view/fleet-view';

/**
 * The dashboard's own GET /metrics. Queue depth per destination lives here because the
 * dashboard is the one service that reads it in every deployment: the local Neurelo server
 * does not exist in front of a hosted Neurelo environment, and a role only sees its own inbox.
 */
export class DashboardMetrics {
  readonly registry = new Registry();
  private readonly queueDepth: Gauge<'dst'>;
  private readonly queueLeased: Gauge<'dst'>;
  private readonly serviceUp: Gauge<'service' | 'service_role'>;
  private readonly decisionsPerSecond: Gauge;
  private readonly configurationEpoch: Gauge;
  private readonly configurationPending: Gauge;
  readonly scrapeRoundSeconds: Histogram;

  constructor() {
    this.registry.setDefaultLabels({ process_id: 'dashboard', role: 'dashboard' });
    collectDefaultMetrics({ register: this.registry, prefix: 'paxos_process_' });
    const registers = [this.registry];
    this.queueDepth = new Gauge({
      name: 'paxos_queue_depth',
      help: 'Messages waiting in the durable queue, by destination (leased ones included)',
      labelNames: ['dst'],
      registers,
    });
    this.queueLeased = new Gauge({
      name: 'paxos_queue_leased',
      help: 'Messages of the durable queue leased by a consumer right now, by destination',
      labelNames: ['dst'],
      registers,
    });
    this.serviceUp = new Gauge({
      name: 'paxos_fleet_service_up',
      help: '1 while a fleet service answers its /state and is ready, as seen by the dashboard',
      labelNames: ['service', 'service_role'],
      registers,
    });
    this.decisionsPerSecond = new Gauge({
      name: 'paxos_fleet_decisions_per_second',
      help: 'Slots decided per second over the last scrape round (from the replicas slot_out)',
      registers,
    });
    this.configurationEpoch = new Gauge({
      name: 'paxos_fleet_configuration_epoch',
      help: 'The epoch of the configuration in force, as the most advanced replica applies it',
      registers,
    });
    this.configurationPending = new Gauge({
      name: 'paxos_fleet_configuration_pending',
      help: '1 while a decided reconfiguration waits for its start slot, 0 otherwise',
      registers,
    });
    this.scrapeRoundSeconds = new Histogram({
      name: 'paxos_dashboard_scrape_round_duration_seconds',
      help: 'Time to scrape every service and the queue depth once',
      buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
  }

  /**
   * Sets every gauge from the latest view. A destination that drained reads 0, and when the
   * queue could not be read the depth series vanish rather than repeat a stale figure.
   */
  record(view: FleetView): void {
    this.queueDepth.reset();
    this.queueLeased.reset();
    if (view.queue.ok) {
      for (const s of view.services) {
        this.queueDepth.set({ dst: s.name }, 0);
        this.queueLeased.set({ dst: s.name }, 0);
      }
      for (const d of view.queue.depths) {
        this.queueDepth.set({ dst: d.dst }, d.depth);
        this.queueLeased.set({ dst: d.dst }, d.leased);
      }
    }
    for (const s of view.services) {
      this.serviceUp.set({ service: s.name, service_role: s.role }, s.status === 'up' ? 1 : 0);
    }
    if (view.decisions.perSecond !== null) this.decisionsPerSecond.set(view.decisions.perSecond);
    const { inForce, pending } = view.configuration;
    if (inForce) this.configurationEpoch.set(inForce.epoch);
    this.configurationPending.set(pending ? 1 : 0);
  }
}
