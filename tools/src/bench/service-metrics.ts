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

const lastAnswered = new Map<number, RoleCounters>();

/**
 * The counters of a role service. One that does not answer in time (down, or too busy: in
 * the one-process memory fleet a scrape competes with the load) gives its last answer again,
 * so a delta is never negative; it under-counts instead, and says so on stderr.
 */
export async function readRoleCounters(port: number): Promise<RoleCounters> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    const counters = parseRoleCounters(await res.text());
    lastAnswered.set(port, counters);
    return counters;
  } catch {
    const last = lastAnswered.get(port);
    if (last) console.error(`bench: :${port}/metrics did not answer; reusing its last counters`);
    return last ?? ZERO_COUNTERS;
  }
}
