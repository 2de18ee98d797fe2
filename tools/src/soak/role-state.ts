/**
 * The in-memory tables of the roles, as their GET /state reports them (role/describe.ts of
 * each service): a replica's client sessions and cached responses (entries and value bytes),
 * an acceptor's accepted slots, and (beyond the list, to tell where a leader's heap
 * goes if it grows) a leader's decided slots held for collection and open proposals.
 */
const FIELDS: Record<string, Array<[field: string, series: string]>> = {
  replica: [
    ['sessions', 'sessions'],
    ['cachedResponses', 'cached_responses'],
    ['cachedResponseValueBytes', 'cached_response_value_bytes'],
  ],
  acceptor: [['acceptedSlots', 'accepted_slots']],
  leader: [
    ['decided', 'decided_slots'],
    ['proposals', 'proposals'],
  ],
};

/** Series names of one process from its /state answer; {} when the answer lacks them. */
export function roleStateSeries(
  kind: string,
  name: string,
  stateAnswer: unknown,
): Record<string, number> {
  const state = (stateAnswer as { state?: Record<string, unknown> | null } | null)?.state;
  if (!state) return {};
  const series: Record<string, number> = {};
  for (const [field, suffix] of FIELDS[kind] ?? []) {
    const value = state[field];
    if (typeof value === 'number' && Number.isFinite(value))
      series[`${kind}.${suffix}.${name}`] = value;
  }
  return series;
}

/** GET /state of a service; null when it does not answer in time. */
export async function readState(port: number, timeoutMs: number): Promise<unknown> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/state`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}
