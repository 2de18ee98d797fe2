/**
 * Absolute headroom on top of the 1.2 ratio (judge.ts) for the series the nemesis itself
 * inflates, by an amount that depends on which faults a window drew and not on how long the
 * soak has run:
 * - the slots the acceptors (in memory and as durable rows) and the leaders hold until they
 *   are collected. The horizon is the lowest slotOut of ALL replicas (leader/role/collect.ts),
 *   so while a replica is paused, cut off or restarting they grow with every slot decided
 *   meanwhile, then drop. Measured: a sawtooth of 0-64 (replicas report progress every 64
 *   slots) that a 30-minute soak with 60 faults never took past 67, while two pauses of
 *   replica-0 in the last minute of a 3-minute soak took it to 100;
 * - the messages waiting in queue_item for a process that is stalled (21-74 rows at most per
 *   minute over the same 30 minutes, 122 once).
 * The headroom is what the load decides while one process is stalled for the longest time the
 * nemesis stalls one (some 170 slots at the default load). A leak still fails as long as it
 * outgrows that over the 15 minutes between the windows: slots never collected at all (some
 * 15,000), or 2 in 100 (tools/test/soak-judge.test.ts); 1 in 100 passes these series. Everything else
 * (memory, table bytes, sessions, caches, replica state, dead letters) is judged by the ratio
 * alone, and without faults so is everything.
 */

/**
 * The longest a process stops consuming under the soak's nemesis: a pause or a partition lasts
 * up to 4 leader timeouts (6 s with the rig's 1.5 s, chaos/plan.ts), a kill up to 3.5 s plus
 * the restart and recovery of a node process (2-4 s measured on a loaded two-core machine).
 * Rounded up.
 */
export const PROCESS_STALL_SECONDS_MAX = 10;

/** Messages queued per decided slot for one stalled process (a p2a or a decision, and a retransmission). */
export const QUEUED_MESSAGES_PER_SLOT_MAX = 2;

/** Bytes of one accepted slot's durable row at the soak's commands (280-380 measured), rounded up. */
export const ACCEPTED_ROW_BYTES_MAX = 512;

export interface AllowanceBasis {
  faults: boolean;
  /** Acknowledged commands per second over the run: at most one slot each. */
  commandsPerSecond: number;
}

/** Slots the load decides while a process is stalled for the longest time. */
export function stallSlots(b: AllowanceBasis): number {
  return Math.ceil(b.commandsPerSecond * PROCESS_STALL_SECONDS_MAX);
}

const HELD_SLOT_SERIES = [
  'acceptor.accepted_slots.',
  'durable_state.rows.acceptor-',
  'leader.decided_slots.',
  'leader.proposals.',
];

/** The allowance of each series (judge.ts's `allowance`). */
export function seriesAllowances(b: AllowanceBasis): (series: string) => number {
  if (!b.faults) return () => 0;
  const slots = stallSlots(b);
  return (series) => {
    if (HELD_SLOT_SERIES.some((prefix) => series.startsWith(prefix))) return slots;
    if (series.startsWith('durable_state.bytes.acceptor-')) return slots * ACCEPTED_ROW_BYTES_MAX;
    if (series === 'queue_item.rows') return slots * QUEUED_MESSAGES_PER_SLOT_MAX;
    return 0;
  };
}
