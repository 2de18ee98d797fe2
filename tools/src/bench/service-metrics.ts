/** Sums the samples of one Prometheus series name (every label set) in an exposition text. */
export function sumSeries(exposition: string, name: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    // `name{labels} value` or `name value`; not `name_something ...`.
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** Cumulative counters of one role service, from its /metrics. */
export interface RoleCounters {
  messagesIn: number;
  messagesOut: number;
  /** Step commits (ack + persist + send): how many, and seconds spent in them. */
  commits: number;
  commitSeconds: number;
  /** Leases that returned messages. */
  leases: number;
  leaseSeconds: number;
  /** Pure role steps. */
  steps: number;
  stepSeconds: number;
}

export const ZERO_COUNTERS: RoleCounters = {
  messagesIn: 0,
  messagesOut: 0,
  commits: 0,
  commitSeconds: 0,
  leases: 0,
  leaseSeconds: 0,
  steps: 0,
  stepSeconds: 0,
};

export function parseRoleCounters(exposition: string): RoleCounters {
  return {
    messagesIn: sumSeries(exposition, 'paxos_messages_in_total'),
    messagesOut: sumSeries(exposition, 'paxos_messages_out_total'),
    commits: sumSeries(exposition, 'paxos_commit_duration_seconds_count'),
    commitSeconds: sumSeries(exposition, 'paxos_commit_duration_seconds_sum'),
    leases: sumSeries(exposition, 'paxos_lease_duration_seconds_count'),
    leaseSeconds: sumSeries(exposition, 'paxos_lease_duration_seconds_sum'),
    steps: sumSeries(exposition, 'paxos_step_duration_seconds_count'),
    stepSeconds: sumSeries(exposition, 'paxos_step_duration_seconds_sum'),
  };
}

/** The counters of a role service, zero when it does not answer (it is down). */
export async function readRoleCounters(port: number): Promise<RoleCounters> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(3_000),
    });
    return parseRoleCounters(await res.text());
  } catch {
    return ZERO_COUNTERS;
  }
}
