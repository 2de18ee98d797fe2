import type { Client } from 'pg';
import { percentile } from '../workload/stats';

/**
 * Where one slot's time goes: a bench-only trace of the message hops of phase 2 (propose, p2a,
 * then p2b and decision, or `accepted` when replicas learn from the acceptors). A trigger on
 * the bench database records, for every message acknowledged while it is installed, when its
 * sender's step commit began (`time_inserted` is the transaction's start), when its receiver
 * leased it (`lease_until` minus the lease duration) and when the receiver's step commit
 * acknowledged it. From those, each hop splits into time spent in the queue (the sender's
 * commit finishing, the notification, the claim) and time spent in the receiving role (the
 * lease reply, its step, its commit request reaching PostgreSQL). The trigger adds one insert
 * per acknowledged message, so the trace is taken in a run of its own, after the measured ones.
 */

/** One acknowledged message. Times are milliseconds since the epoch, PostgreSQL's clock. */
export interface TracedMessage {
  dst: string;
  type: string;
  /** The sender, from the payload's `from`. */
  src: string;
  slot: number;
  insertedAt: number;
  leasedAt: number;
  ackedAt: number;
}

const TRACE_TABLE = 'bench_hop_trace';

function installSql(leaseMs: number): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${TRACE_TABLE} (
       dst text, type text, src text, slot bigint,
       inserted_ms float8, lease_until_ms float8, acked_ms float8)`,
    `CREATE OR REPLACE FUNCTION ${TRACE_TABLE}_record() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF OLD.lease_until IS NOT NULL AND OLD.payload ~ '"type":"(propose|p2a|p2b|accepted|decision)"' THEN
         INSERT INTO ${TRACE_TABLE} VALUES (
           OLD.dst,
           substring(OLD.payload from '"type":"(\\w+)"'),
           substring(OLD.payload from '"from":"([^"]+)"'),
           substring(OLD.payload from '"slot":(\\d+)')::bigint,
           extract(epoch from OLD.time_inserted) * 1000,
           extract(epoch from OLD.lease_until) * 1000 - ${Math.trunc(leaseMs)},
           extract(epoch from clock_timestamp()) * 1000);
       END IF;
       RETURN NULL;
     END $$`,
    `CREATE TRIGGER ${TRACE_TABLE}_record AFTER DELETE ON queue_item
       FOR EACH ROW EXECUTE FUNCTION ${TRACE_TABLE}_record()`,
  ];
}

/** Starts recording acknowledged phase-2 messages (`leaseMs`: the fleet's LEASE_MS). */
export async function startHopTrace(pg: Client, leaseMs: number): Promise<void> {
  for (const sql of installSql(leaseMs)) await pg.query(sql);
}

/** Stops recording and returns what was recorded. */
export async function stopHopTrace(pg: Client): Promise<TracedMessage[]> {
  await pg.query(`DROP TRIGGER IF EXISTS ${TRACE_TABLE}_record ON queue_item`);
  const r = await pg.query<{
    dst: string;
    type: string;
    src: string | null;
    slot: string | null;
    inserted_ms: number;
    lease_until_ms: number;
    acked_ms: number;
  }>(`SELECT * FROM ${TRACE_TABLE}`);
  await pg.query(`DROP TABLE ${TRACE_TABLE}`);
  await pg.query(`DROP FUNCTION ${TRACE_TABLE}_record()`);
  return r.rows.flatMap((row) =>
    row.slot === null || row.src === null
      ? []
      : [
          {
            dst: row.dst,
            type: row.type,
            src: row.src,
            slot: Number(row.slot),
            insertedAt: row.inserted_ms,
            leasedAt: row.lease_until_ms,
            ackedAt: row.acked_ms,
          },
        ],
  );
}

export interface AnatomySegment {
  name: string;
  /** `queue`: between two processes; `role`: inside the receiving process. */
  where: 'queue' | 'role' | 'total';
  p50: number;
  p90: number;
  mean: number;
}

export interface SlotAnatomy {
  slots: number;
  segments: AnatomySegment[];
}

/** The segments up to the acceptors' commit, which both ways of learning share. */
const PHASE2_SEGMENTS = [
  ['propose: replica commit -> leader lease', 'queue'],
  ['leader: lease -> p2a commit', 'role'],
  ['p2a: leader commit -> lease by a majority of acceptors', 'queue'],
  ['acceptor: lease -> p2b commit', 'role'],
] as const;

/** Replicas learning from the acceptors (LEARN_FROM_ACCEPTORS=true). */
const VIA_ACCEPTORS = [
  ...PHASE2_SEGMENTS,
  ['accepted: acceptor commit -> proposing replica lease', 'queue'],
  ['replica: lease -> commit applying the slot', 'role'],
  ['slot round: propose commit -> applied', 'total'],
] as const;

/** Replicas learning from the leader's decision (PMMC). */
const VIA_LEADER = [
  ...PHASE2_SEGMENTS,
  ['p2b: acceptor commit -> leader lease', 'queue'],
  ['leader: lease -> decision commit', 'role'],
  ['decision: leader commit -> proposing replica lease', 'queue'],
  ['replica: lease -> commit applying the slot', 'role'],
  ['slot round: propose commit -> applied', 'total'],
] as const;

type Segments = typeof VIA_ACCEPTORS | typeof VIA_LEADER;

/**
 * The phase-2 timeline of every slot that completed in the trace. For the acceptors it follows
 * the one whose message made the majority (the k-th earliest of each, k = majority), which is
 * what the leader, or the learning replica, waited for; at the end, the replica that proposed
 * the slot (it answers the clients). A slot proposed to its leader more than once (a retry, a
 * gap filled by another replica) or run by more than one leader is left out, as is any slot
 * whose timeline is not in order. Replicas learn either from the acceptors (`accepted`) or
 * from the leader (`decision`); the way most slots took is the one reported.
 */
export function slotAnatomy(messages: TracedMessage[], acceptorCount: number): SlotAnatomy {
  const majority = Math.floor(acceptorCount / 2) + 1;
  const bySlot = new Map<number, TracedMessage[]>();
  for (const m of messages) {
    const list = bySlot.get(m.slot);
    if (list) list.push(m);
    else bySlot.set(m.slot, [m]);
  }
  const viaAcceptors: number[][] = [];
  const viaLeader: number[][] = [];
  for (const list of bySlot.values()) {
    const timeline = slotTimeline(list, majority);
    if (timeline === null) continue;
    (timeline.length === VIA_ACCEPTORS.length ? viaAcceptors : viaLeader).push(timeline);
  }
  return viaAcceptors.length >= viaLeader.length
    ? summarize(VIA_ACCEPTORS, viaAcceptors)
    : summarize(VIA_LEADER, viaLeader);
}

/** One slot's segment durations, its round last; null if the slot cannot be followed. */
function slotTimeline(list: TracedMessage[], majority: number): number[] | null {
  const of = (type: string) => list.filter((m) => m.type === type);
  const p2as = of('p2a');
  const p2bs = of('p2b');
  const leaders = new Set(p2as.map((m) => m.src));
  if (leaders.size !== 1 || p2as.length < majority || p2bs.length < majority) return null;
  // A replica proposes to every leader; the one that matters went to the leader that ran
  // phase 2.
  const proposes = of('propose').filter((m) => leaders.has(m.dst));
  if (proposes.length !== 1) return null;
  const propose = proposes[0]!;
  const kth = (values: number[]) => values.sort((a, b) => a - b)[majority - 1]!;
  const times = [
    propose.insertedAt,
    propose.leasedAt,
    Math.min(...p2as.map((m) => m.insertedAt)),
    kth(p2as.map((m) => m.leasedAt)),
    kth(p2bs.map((m) => m.insertedAt)),
  ];
  const accepted = of('accepted').filter((m) => m.dst === propose.src);
  const decision = of('decision').find((m) => m.dst === propose.src);
  let applied: number;
  if (accepted.length >= majority) {
    // The replica learns the slot when it has leased the majority-th acceptance; the commit
    // that applies the slot acknowledges that one.
    const deciding = [...accepted].sort((a, b) => a.leasedAt - b.leasedAt)[majority - 1]!;
    times.push(deciding.leasedAt);
    applied = deciding.ackedAt;
  } else if (decision) {
    times.push(kth(p2bs.map((m) => m.leasedAt)), decision.insertedAt, decision.leasedAt);
    applied = decision.ackedAt;
  } else {
    return null;
  }
  times.push(applied);
  const steps = times.slice(1).map((t, i) => t - times[i]!);
  // Clocks are one server's, but leases and inserts use transaction start times: allow a
  // millisecond of overlap, never a slot whose order is broken.
  if (steps.some((d) => d < -1)) return null;
  return [...steps.map((d) => Math.max(0, d)), applied - propose.insertedAt];
}

function summarize(names: Segments, timelines: number[][]): SlotAnatomy {
  return {
    slots: timelines.length,
    segments: names.map(([name, where], i) => {
      const v = timelines.map((t) => t[i]!);
      return {
        name,
        where,
        p50: percentile(v, 50),
        p90: percentile(v, 90),
        mean: v.length === 0 ? 0 : v.reduce((a, b) => a + b, 0) / v.length,
      };
    }),
  };
}
