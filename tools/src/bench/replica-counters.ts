/**
 * The replicas' protocol counters (GET /state: state.counters), summed over the replicas.
 * They say how well slots are used: commands per decided slot, and how many commands a
 * replica had to propose again because another replica's batch won the slot.
 */
export interface ReplicaCounters {
  commandsReceived: number;
  commandsRequeued: number;
  commandsPerformed: number;
  slotsApplied: number;
  proposalsSent: number;
  reproposals: number;
  noopsProposed: number;
}

const FIELDS: Array<keyof ReplicaCounters> = [
  'commandsReceived',
  'commandsRequeued',
  'commandsPerformed',
  'slotsApplied',
  'proposalsSent',
  'reproposals',
  'noopsProposed',
];

export const ZERO_REPLICA_COUNTERS: ReplicaCounters = Object.fromEntries(
  FIELDS.map((f) => [f, 0]),
) as unknown as ReplicaCounters;

/** Reads the counters out of a /state answer; a missing field reads as 0. */
export function replicaCountersOf(stateAnswer: unknown): ReplicaCounters {
  const counters = (stateAnswer as { state?: { counters?: Record<string, unknown> } } | null)?.state
    ?.counters;
  const out = { ...ZERO_REPLICA_COUNTERS };
  for (const f of FIELDS) {
    const v = counters?.[f];
    if (typeof v === 'number') out[f] = v;
  }
  return out;
}

export async function readReplicaCounters(ports: readonly number[]): Promise<ReplicaCounters> {
  const total = { ...ZERO_REPLICA_COUNTERS };
  for (const port of ports) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/state`, {
        signal: AbortSignal.timeout(3_000),
      });
      const c = replicaCountersOf(await res.json());
      for (const f of FIELDS) total[f] += c[f];
    } catch {
      // A replica that does not answer adds nothing.
    }
  }
  return total;
}

/** Slot usage between two readings. */
export interface SlotFigures {
  /** Commands applied per slot applied (each replica applies every slot). */
  commandsPerSlot: number | null;
  /** Commands proposed again (their slot went to another replica's batch) per command received. */
  requeuedPerCommand: number | null;
  proposalsPerSecond: number;
}

export function slotFigures(a: ReplicaCounters, b: ReplicaCounters, seconds: number): SlotFigures {
  const slots = b.slotsApplied - a.slotsApplied;
  const received = b.commandsReceived - a.commandsReceived;
  return {
    commandsPerSlot: slots > 0 ? (b.commandsPerformed - a.commandsPerformed) / slots : null,
    requeuedPerCommand: received > 0 ? (b.commandsRequeued - a.commandsRequeued) / received : null,
    proposalsPerSecond: (b.proposalsSent - a.proposalsSent) / seconds,
  };
}
