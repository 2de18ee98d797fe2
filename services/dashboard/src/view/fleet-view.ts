import type { QueueDepth } from '@paxos/shared';
import type { FleetTarget, RoleName } from '../config/fleet-targets';
import type { MetricFamily } from '../metrics/prometheus-text';
import type { ConfigAnswer } from '../scrape/config-answer';
import {
  ballotLabel,
  ballotRank,
  compareBallotRanks,
  type BallotRank,
  type StateAnswer,
} from '../scrape/state-answer';
import {
  buildConfigurationView,
  membershipOf,
  type ConfigurationView,
  type Membership,
} from './configuration-view';
import type { DecisionSeries, RatePoint } from './decision-series';

/** What one scrape of one service brought back; state and metrics are null when it failed. */
export interface ServiceScrape {
  target: FleetTarget;
  state: StateAnswer | null;
  metrics: Map<string, MetricFamily> | null;
  /** A replica's GET /config; null for other roles, or when it could not say. */
  config: ConfigAnswer | null;
  /** Why the service counts as down this round. */
  error: string | null;
}

export type QueueReading = { ok: true; depths: QueueDepth[] } | { ok: false; error: string };

export type ServiceStatus = 'up' | 'starting' | 'down';

export interface ServiceView {
  name: string;
  role: RoleName;
  url: string;
  status: ServiceStatus;
  /** A leader's current ballot, an acceptor's promise; null for replicas. */
  ballot: string | null;
  /** Leaders only: whether its ballot has been adopted by a majority. */
  active: boolean | null;
  /** Replicas only: the first slot not applied yet. */
  slotOut: number | null;
  /** Messages waiting for it in the durable queue (leased ones included). */
  queueDepth: number | null;
  queueLeased: number | null;
  epoch: number | null;
  messagesIn: number | null;
  messagesOut: number | null;
  ignored: number | null;
  deadLetters: number | null;
  /** Whether it belongs to the configuration in force, joins or leaves with a pending one. */
  membership: Membership;
  /** The kill and restart buttons apply to it (local fleet mode). */
  controllable: boolean;
  error: string | null;
}

export interface FleetView {
  atMs: number;
  services: ServiceView[];
  activeLeader: string | null;
  /** The configuration in force and any pending change, from the replicas' GET /config. */
  configuration: ConfigurationView;
  decisions: { decidedSlots: number | null; perSecond: number | null; series: RatePoint[] };
  queue: {
    ok: boolean;
    error: string | null;
    depths: QueueDepth[];
    /** Messages waiting in the whole queue. */
    total: number | null;
  };
  control: { enabled: boolean };
}

export interface FleetViewInput {
  atMs: number;
  scrapes: ServiceScrape[];
  queue: QueueReading;
  decisions: DecisionSeries;
  /** null outside local fleet mode. */
  controllable: ReadonlySet<string> | null;
}

/** Turns one round of scrapes into what the page shows. Pure. */
export function buildFleetView(input: FleetViewInput): FleetView {
  const { queue } = input;
  const depthOf = new Map(queue.ok ? queue.depths.map((d) => [d.dst, d] as const) : []);
  // The query lists only destinations holding messages: a missing one has an empty queue.
  const queueOf = (dst: string): QueueDepth | null =>
    queue.ok ? (depthOf.get(dst) ?? { dst, depth: 0, leased: 0 }) : null;
  const configuration = buildConfigurationView(
    input.scrapes.flatMap((s) => (s.config ? [{ name: s.target.name, config: s.config }] : [])),
  );
  const services = input.scrapes.map((scrape) =>
    serviceView(scrape, queueOf(scrape.target.name), input.controllable, configuration),
  );
  const latest = input.decisions.points.at(-1);
  return {
    atMs: input.atMs,
    services,
    activeLeader: activeLeaderOf(input.scrapes),
    configuration,
    decisions: {
      decidedSlots: input.decisions.decidedSlots,
      perSecond: latest?.perSecond ?? null,
      series: input.decisions.points,
    },
    queue: input.queue.ok
      ? {
          ok: true,
          error: null,
          depths: input.queue.depths,
          total: input.queue.depths.reduce((sum, d) => sum + d.depth, 0),
        }
      : { ok: false, error: input.queue.error, depths: [], total: null },
    control: { enabled: input.controllable !== null },
  };
}

/** slot_out of every replica that answered, for the decision series. */
export function slotOutsOf(scrapes: ServiceScrape[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of scrapes) {
    const slotOut = s.target.role === 'replica' ? s.state?.state?.slotOut : undefined;
    if (slotOut !== undefined) out[s.target.name] = slotOut;
  }
  return out;
}

/**
 * The leader that says it is active. Two can say so for a moment (the old one has not yet
 * heard of its preemption, or leads an older configuration whose slots are not all decided);
 * the higher ballot, by epoch then round, is the one that leads the newest slots.
 */
function activeLeaderOf(scrapes: ServiceScrape[]): string | null {
  let best: { name: string; rank: BallotRank } | null = null;
  for (const s of scrapes) {
    if (s.target.role !== 'leader' || s.state?.state?.active !== true) continue;
    const rank = ballotRank(s.state.state.ballot);
    if (!best || compareBallotRanks(rank, best.rank) > 0) best = { name: s.target.name, rank };
  }
  return best?.name ?? null;
}

/** `queue` is null when the queue could not be read: unknown, not zero. */
function serviceView(
  scrape: ServiceScrape,
  queue: QueueDepth | null,
  controllable: ReadonlySet<string> | null,
  configuration: ConfigurationView,
): ServiceView {
  const { target, state, metrics } = scrape;
  const role = target.role;
  const roleState = state?.state ?? null;
  return {
    name: target.name,
    role,
    url: target.url,
    status: statusOf(scrape),
    ballot: role === 'replica' ? null : ballotLabel(roleState?.ballot),
    active: role === 'leader' ? (roleState?.active ?? null) : null,
    slotOut: role === 'replica' ? (roleState?.slotOut ?? null) : null,
    queueDepth: queue?.depth ?? null,
    queueLeased: queue?.leased ?? null,
    epoch: state?.host?.epoch ?? null,
    messagesIn: total(metrics, 'paxos_messages_in_total'),
    messagesOut: total(metrics, 'paxos_messages_out_total'),
    ignored: total(metrics, 'paxos_messages_ignored_total'),
    deadLetters: total(metrics, 'paxos_dead_letters_total'),
    membership: membershipOf(target.name, role, configuration),
    controllable: controllable?.has(target.name) ?? false,
    error: scrape.error,
  };
}

function statusOf(scrape: ServiceScrape): ServiceStatus {
  if (scrape.state === null) return 'down';
  // Serving HTTP but still recovering its durable state, or cut off from the data API.
  return scrape.state.host?.ready === true && scrape.state.state ? 'up' : 'starting';
}

/** The sum over a family's series (all label values), or null when it is not exposed. */
function total(metrics: Map<string, MetricFamily> | null, family: string): number | null {
  const f = metrics?.get(family);
  if (!f) return null;
  return f.samples.reduce((sum, s) => sum + s.value, 0);
}
