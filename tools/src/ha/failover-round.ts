import { setTimeout as sleep } from 'node:timers/promises';
import type { HaCluster } from './ha-cluster';
import {
  describeCluster,
  hasPrimaryAndSyncStandby,
  isReplicating,
  primaryOf,
  syncStandbyOf,
  waitForCluster,
} from './patroni-rest';
import { writeOutage, type WriteOutage } from './write-outage';

export interface FailoverResult {
  killed: string;
  promoted: string;
  /** Wall clock of the kill. */
  killedAtMs: number;
  /** From the kill until Patroni reported the new primary on a new timeline. */
  promotedAfterMs: number;
  /** From the kill until the first command acknowledged after the promotion. */
  resumedAfterMs: number;
  outage: WriteOutage;
  /** From the lost node's restart until it followed the new primary as a standby. */
  rejoinedAfterMs: number;
  /** The synchronous standby the next round starts with. */
  syncStandby: string;
}

export interface FailoverRoundOptions {
  cluster: HaCluster;
  /** Every acknowledgement so far (wall clock), as the clients record them. */
  acknowledgedAt: () => readonly number[];
  clock: () => number;
  /** How long the lost machine stays down after the writes resumed, before it restarts. */
  downMs: number;
  log: (line: string) => void;
}

const PROMOTION_TIMEOUT_MS = 60_000;
const RESUME_TIMEOUT_MS = 90_000;
const REJOIN_TIMEOUT_MS = 120_000;

/**
 * One machine loss: the primary and its Patroni SIGKILLed together; then a standby must be
 * promoted (Patroni reports a new primary on a new timeline), the fleet's writes must resume,
 * and the lost node, started again, must follow the new primary as a standby while a
 * synchronous standby streams: the state the next round may start from.
 */
export async function failoverRound(o: FailoverRoundOptions): Promise<FailoverResult> {
  const ports = o.cluster.restPorts;
  const before = await o.cluster.waitHealthy(60_000);
  const old = primaryOf(before)!;
  const oldTimeline = old.timeline ?? 0;
  o.log(`  before: ${describeCluster(before)}`);

  const killedAtMs = o.clock();
  const processes = o.cluster.killNode(old.name);
  o.log(`  ${old.name} (the primary) and its Patroni: ${processes} processes SIGKILLed`);

  const after = await waitForCluster(
    ports,
    (c) => {
      const p = primaryOf(c);
      return p !== null && p.name !== old.name && (p.timeline ?? 0) > oldTimeline;
    },
    `a standby promoted after ${old.name} was lost`,
    PROMOTION_TIMEOUT_MS,
  );
  const promotedAtMs = o.clock();
  const promoted = primaryOf(after)!.name;
  o.log(`  ${promoted} promoted ${seconds(promotedAtMs - killedAtMs)} after the kill`);

  let outage: WriteOutage | null = null;
  for (const deadline = o.clock() + RESUME_TIMEOUT_MS; outage === null; await sleep(100)) {
    outage = writeOutage(o.acknowledgedAt(), killedAtMs, promotedAtMs);
    if (outage === null && o.clock() > deadline) {
      throw new Error(
        `no command acknowledged ${RESUME_TIMEOUT_MS} ms after ${promoted} was promoted`,
      );
    }
  }
  const resumedAfterMs = outage.toMs - killedAtMs;
  o.log(`  writes resumed ${seconds(resumedAfterMs)} after the kill`);

  await sleep(o.downMs);
  const restartedAtMs = o.clock();
  o.cluster.startNode(old.name);
  const rejoined = await waitForCluster(
    ports,
    (c) => {
      const back = c.members.find((m) => m.name === old.name);
      const p = primaryOf(c);
      return (
        !!back &&
        !!p &&
        back.role !== 'leader' &&
        isReplicating(back) &&
        back.timeline === p.timeline &&
        hasPrimaryAndSyncStandby(c)
      );
    },
    `${old.name} following ${promoted} as a standby`,
    REJOIN_TIMEOUT_MS,
  );
  const rejoinedAfterMs = o.clock() - restartedAtMs;
  o.log(
    `  ${old.name} rejoined as a standby ${seconds(rejoinedAfterMs)} after its restart: ${describeCluster(rejoined)}`,
  );
  return {
    killed: old.name,
    promoted,
    killedAtMs,
    promotedAfterMs: promotedAtMs - killedAtMs,
    resumedAfterMs,
    outage,
    rejoinedAfterMs,
    syncStandby: syncStandbyOf(rejoined)!.name,
  };
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
