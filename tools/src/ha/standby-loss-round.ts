import { setTimeout as sleep } from 'node:timers/promises';
import { seconds, type FailoverRoundOptions } from './failover-round';
import {
  describeCluster,
  isReplicating,
  primaryOf,
  syncStandbyOf,
  waitForCluster,
} from './patroni-rest';
import { writeOutage, type WriteOutage } from './write-outage';

export interface StandbyLossResult {
  killed: string;
  /** The other standby, which the primary named synchronous in its place. */
  renamed: string;
  killedAtMs: number;
  /** From the kill until Patroni reported the other standby as the synchronous one. */
  renamedAfterMs: number;
  outage: WriteOutage;
  rejoinedAfterMs: number;
}

const RENAME_TIMEOUT_MS = 60_000;
const RESUME_TIMEOUT_MS = 90_000;
const REJOIN_TIMEOUT_MS = 120_000;

/**
 * The machine of the synchronous standby lost (its PostgreSQL and Patroni SIGKILLed), the
 * primary untouched. With a named synchronous standby (Patroni 3's synchronous_mode, strict),
 * commits wait until the primary names the other standby in its place; this round measures that
 * pause, then starts the lost node again and waits until it streams from the primary.
 */
export async function standbyLossRound(o: FailoverRoundOptions): Promise<StandbyLossResult> {
  const before = await o.cluster.waitHealthy(60_000);
  const primary = primaryOf(before)!.name;
  const lost = syncStandbyOf(before)!.name;
  o.log(`  before: ${describeCluster(before)}`);

  const killedAtMs = o.clock();
  const processes = o.cluster.killNode(lost);
  o.log(`  ${lost} (the synchronous standby) and its Patroni: ${processes} processes SIGKILLed`);

  const after = await waitForCluster(
    o.cluster.restPorts,
    (c) => {
      const sync = syncStandbyOf(c);
      return primaryOf(c)?.name === primary && !!sync && sync.name !== lost;
    },
    `another synchronous standby after ${lost} was lost`,
    RENAME_TIMEOUT_MS,
  );
  const renamedAtMs = o.clock();
  const renamed = syncStandbyOf(after)!.name;
  o.log(`  ${renamed} named synchronous ${seconds(renamedAtMs - killedAtMs)} after the kill`);

  let outage: WriteOutage | null = null;
  for (const deadline = o.clock() + RESUME_TIMEOUT_MS; outage === null; await sleep(100)) {
    // The longest pause from the last write acknowledged before the kill to the first after the
    // rename (commits answered in between were flushed before the kill).
    outage = writeOutage(o.acknowledgedAt(), killedAtMs, renamedAtMs);
    if (outage === null && o.clock() > deadline) {
      throw new Error(`no command acknowledged ${RESUME_TIMEOUT_MS} ms after ${lost} was lost`);
    }
  }
  o.log(`  writes paused ${seconds(outage.outageMs)} around the kill`);

  await sleep(o.downMs);
  // Patroni keeps a lost member's last report until its key lapses (`ttl`): only once that is
  // gone can "streaming again" be told from the stale report.
  await waitForCluster(
    o.cluster.restPorts,
    (c) => !c.members.some((m) => m.name === lost && isReplicating(m)),
    `${lost}'s last report to lapse`,
    RENAME_TIMEOUT_MS,
  );
  const restartedAtMs = o.clock();
  o.cluster.startNode(lost);
  await waitForCluster(
    o.cluster.restPorts,
    (c) => {
      const back = c.members.find((m) => m.name === lost);
      return !!back && back.role !== 'leader' && isReplicating(back) && !!syncStandbyOf(c);
    },
    `${lost} streaming from ${primary} again`,
    REJOIN_TIMEOUT_MS,
  );
  return {
    killed: lost,
    renamed,
    killedAtMs,
    renamedAfterMs: renamedAtMs - killedAtMs,
    outage,
    rejoinedAfterMs: o.clock() - restartedAtMs,
  };
}
