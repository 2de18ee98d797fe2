import type {
  ConfigurationResult,
  IdleResult,
  OfferedLoadResult,
  SlotAnatomyResult,
} from './report';
import { fmt, fmtRatio, type Cell } from './table';

export interface Table {
  title: string;
  headers: string[];
  rows: Cell[][];
}

/** The headline: throughput, latency and load per configuration, with the ratio to the baseline. */
export function headlineTable(results: ConfigurationResult[]): Table {
  return {
    title: 'Closed loop',
    headers: [
      'configuration',
      'durable',
      'commands/s',
      'vs baseline',
      'p50 ms',
      'p99 ms',
      'max ms',
      'messages/s',
      'API requests/s',
      'DB commits/s',
      'CPU % (system)',
    ],
    rows: results.map((r) => [
      r.name,
      r.durable ? 'yes' : 'NO',
      fmt(r.commandsPerSecond),
      fmtRatio(r.ratioToBaseline.commandsPerSecond),
      fmt(r.latencyMs.p50, 1),
      fmt(r.latencyMs.p99, 1),
      fmt(r.latencyMs.max, 0),
      fmt(r.messagesPerSecond),
      fmt(r.apiRequestsPerSecond),
      fmt(r.commitsPerSecond),
      fmt(r.cpuPercentTotal),
    ]),
  };
}

/** What one command costs: the figures that explain the headline. */
export function perCommandTable(results: ConfigurationResult[]): Table {
  return {
    title: 'Per command',
    headers: [
      'configuration',
      'commands/slot',
      'requeued',
      'messages',
      'API requests',
      'DB commits',
      'CPU ms',
      'WAL fsyncs/s',
      'WAL KB/s',
    ],
    rows: results.map((r) => [
      r.name,
      fmt(r.slots.commandsPerSlot, 1),
      fmt(r.slots.requeuedPerCommand, 2),
      fmt(r.perCommand.messages, 2),
      fmt(r.perCommand.apiRequests, 2),
      fmt(r.perCommand.commits, 2),
      fmt(r.perCommand.cpuMs, 2),
      fmt(r.walSyncsPerSecond),
      r.walBytesPerSecond === null ? '-' : fmt(r.walBytesPerSecond / 1024),
    ]),
  };
}

/** Where the CPU goes, in percent of one core (the machine has two). */
export function cpuTable(results: ConfigurationResult[]): Table {
  return {
    title: 'CPU, % of one core',
    headers: [
      'configuration',
      'roles',
      'data API',
      'postgres',
      'pg shared',
      'bench client',
      'busiest process',
    ],
    rows: results.map((r) => {
      const g = r.cpuPercentByGroup;
      const busiest = Object.entries(r.cpuPercent)
        .filter(
          ([name]) => !['postgres backends', 'postgres shared', 'bench client'].includes(name),
        )
        .sort((a, b) => b[1] - a[1])[0];
      return [
        r.name,
        fmt(g.roles),
        fmt(g.dataApi),
        fmt(g.postgres),
        fmt(g.postgresShared),
        fmt(g.client),
        busiest ? `${busiest[0]} ${fmt(busiest[1])}` : '-',
      ];
    }),
  };
}

/** Per kind of role: how often it commits and leases, how long those take, how much a step batches. */
export function rolesTable(results: ConfigurationResult[]): Table {
  const rows: Cell[][] = [];
  for (const r of results) {
    for (const [kind, f] of Object.entries(r.roles)) {
      rows.push([
        r.name,
        kind,
        fmt(f.messagesInPerSecond),
        fmt(f.stepsPerSecond),
        fmt(f.messagesPerStep, 1),
        fmt(f.commitsPerSecond),
        fmt(f.commitMs, 1),
        fmt(f.leasesPerSecond),
        fmt(f.leaseMs, 1),
      ]);
    }
  }
  return {
    title: 'Role services (summed over each kind; durations are means)',
    headers: [
      'configuration',
      'role',
      'messages in/s',
      'steps/s',
      'messages/step',
      'commits/s',
      'commit ms',
      'leases/s',
      'lease ms',
    ],
    rows,
  };
}

export function offeredTable(offered: OfferedLoadResult[]): Table {
  return {
    title: 'Open loop (latency from the moment each command was due)',
    headers: [
      'configuration',
      'offered/s',
      'answered/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'unanswered',
      'commands/slot',
      'CPU % (system)',
      'roles',
      'data API',
      'postgres',
      'bench client',
    ],
    rows: offered.map((o) => [
      o.configuration,
      fmt(o.offeredPerSecond),
      fmt(o.achievedPerSecond),
      fmt(o.latencyMs.p50, 1),
      fmt(o.latencyMs.p99, 1),
      fmt(o.latencyMs.max, 0),
      fmt(o.unanswered),
      fmt(o.commandsPerSlot, 1),
      fmt(o.cpuPercentTotal),
      fmt(o.cpuPercentByGroup.roles),
      fmt(o.cpuPercentByGroup.dataApi),
      fmt(o.cpuPercentByGroup.postgres),
      fmt(o.cpuPercentByGroup.client),
    ]),
  };
}

export function anatomyTable(a: SlotAnatomyResult): Table {
  return {
    title: `Slot anatomy of ${a.configuration} at ${fmt(a.offeredPerSecond)}/s offered (a separate traced run of ${a.seconds} s; ${fmt(a.slots)} slots; ms)`,
    headers: ['segment', 'where', 'p50', 'p90', 'mean'],
    rows: a.segments.map((s) => [s.name, s.where, fmt(s.p50, 1), fmt(s.p90, 1), fmt(s.mean, 1)]),
  };
}

export function idleTable(idle: IdleResult[], title = 'Idle fleet (no clients)'): Table {
  return {
    title,
    headers: [
      'configuration',
      'seconds',
      'fleet CPU %',
      'with postgres %',
      'API requests/s',
      'DB commits/s',
    ],
    rows: idle.map((i) => [
      i.configuration,
      fmt(i.seconds, 0),
      fmt(i.fleetCpuPercent, 2),
      fmt(i.withPostgresCpuPercent, 2),
      fmt(i.apiRequestsPerSecond, 1),
      fmt(i.commitsPerSecond, 1),
    ]),
  };
}
