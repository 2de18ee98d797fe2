import type { FleetTarget } from '../config/fleet-targets';
import type { QueueDepthReader } from '../scrape/queue-depth';
import { scrapeService } from '../scrape/service-scrape';
import {
  EMPTY_DECISION_SERIES,
  advanceDecisionSeries,
  type DecisionSeries,
} from '../view/decision-series';
import { NO_CONFIGURATION, targetsToScrape } from '../view/configuration-view';
import { buildFleetView, slotOutsOf, type FleetView } from '../view/fleet-view';

export interface FleetPollerOptions {
  /** The configured services (FLEET_TARGETS). */
  targets: FleetTarget[];
  /**
   * Where to find a member the configured targets do not list (`http://{id}:8080`), learned
   * from the replicas' configuration; null: only the configured targets are scraped.
   */
  memberUrl: string | null;
  queue: QueueDepthReader;
  intervalMs: number;
  scrapeTimeoutMs: number;
  /** Names the kill/restart buttons apply to, or null outside local fleet mode. */
  controllable: () => Promise<ReadonlySet<string> | null>;
  /** How many rate points the chart keeps (two minutes at one round per second). */
  chartPoints?: number;
  onView: (view: FleetView, roundSeconds: number) => void;
  onError: (err: Error) => void;
}

/**
 * Scrapes every service and the queue depth once per interval, one round at a time (a slow
 * round delays the next instead of piling up), and hands each new view to onView. The
 * services of a round are the configured ones plus the members the previous round's
 * configuration named (targetsToScrape), so a member added by a reconfiguration appears on
 * the page one round after the replicas report it.
 */
export class FleetPoller {
  private series: DecisionSeries = EMPTY_DECISION_SERIES;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private round: Promise<void> | null = null;
  latest: FleetView | null = null;

  constructor(private readonly o: FleetPollerOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.pollOnce()
        .catch((err: unknown) => this.o.onError(err as Error))
        .finally(() => this.schedule(this.o.intervalMs));
    }, delayMs);
  }

  /** The services the next round scrapes. */
  targets(): FleetTarget[] {
    const configuration = this.latest?.configuration ?? NO_CONFIGURATION;
    return targetsToScrape(this.o.targets, configuration, this.o.memberUrl);
  }

  private async pollOnce(): Promise<void> {
    const started = performance.now();
    const [scrapes, queue, controllable] = await Promise.all([
      Promise.all(this.targets().map((t) => scrapeService(t, this.o.scrapeTimeoutMs))),
      this.o.queue.read(),
      this.o.controllable(),
    ]);
    const atMs = Date.now();
    this.series = advanceDecisionSeries(
      this.series,
      { atMs, slotOutByReplica: slotOutsOf(scrapes) },
      this.o.chartPoints ?? 120,
    );
    this.latest = buildFleetView({ atMs, scrapes, queue, decisions: this.series, controllable });
    this.o.onView(this.latest, (performance.now() - started) / 1000);
  }
}
