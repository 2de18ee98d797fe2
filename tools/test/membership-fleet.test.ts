/**
 * Issue 18's fleet test, on real processes: a fleet of three replicas loses one for good;
 * megabytes written afterwards leave the acceptors' and leaders' state bounded (garbage
 * collection waits for a majority of replicas, not for every one); `fleet replace` puts a new
 * replica in the dead one's place, which catches up by state transfer to the same digest; then
 * the active leader is SIGKILLed and a new one is elected within the usual time while writes
 * go on.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fleet } from '../src/fleet/fleet';
import { replaceMember } from '../src/fleet/member-ops';
import { readConfig } from '../src/fleet/membership';
import { activeLeader, waitForConvergence } from '../src/fleet/observe';
import { getJson } from '../src/fleet/service-process';
import { KvClient } from '../src/workload/kv-client';
import { findLostWrites } from '../src/workload/lost-writes';
import { wallClock } from '../src/workload/run-clients';
import { freshFleetDatabase } from './support/fleet-database';

jest.setTimeout(240_000);

const BASE_PORT = 7950;
const GC_REPORT_EVERY_SLOTS = 4;
const WINDOW_SLOTS = 8;
/**
 * What an acceptor or a leader may hold above the collected horizon. The horizon is the slotOut
 * that two of the three replicas reported; a replica reports every GC_REPORT_EVERY_SLOTS applied
 * slots, so the horizon trails the applied log by at most that many slots, and the log's head
 * runs at most WINDOW_SLOTS past what replicas applied (R5). Twice both covers a report or a
 * collect still in flight while the next slots are decided. It does not depend on how much is
 * written: that is the point.
 */
const STATE_BOUND = 2 * (GC_REPORT_EVERY_SLOTS + WINDOW_SLOTS);
const VALUE_BYTES = 16 * 1024;
const WRITES = 200; // 200 x 16 KiB = 3.1 MiB
const CLIENTS = 2;
const KEYS = 24;

interface Peak {
  acceptedSlots: number;
  leaderProposals: number;
  leaderDecided: number;
}

describe('membership changes on a live fleet', () => {
  let fleet: Fleet;
  let dropDatabase: () => Promise<void> = async () => undefined;
  const workDir = path.join(os.tmpdir(), `paxos-membership-fleet-${process.pid}`);
  const url = (name: string) => `http://127.0.0.1:${fleet.spec(name).port}`;
  const log: string[] = [];

  beforeAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    const db = await freshFleetDatabase(`membership${BASE_PORT}`);
    dropDatabase = db.drop;
    fleet = new Fleet({
      acceptors: 3,
      leaders: 2,
      replicas: 3,
      basePort: BASE_PORT,
      workDir,
      databaseUrl: db.databaseUrl,
      roleEnv: {
        LEADER_TIMEOUT_MS: '1000',
        LEADER_HEARTBEAT_MS: '300',
        LEADER_RETRANSMIT_MS: '1000',
        REPLICA_RETRY_MS: '1000',
        GC_REPORT_EVERY_SLOTS: String(GC_REPORT_EVERY_SLOTS),
        WINDOW_SLOTS: String(WINDOW_SLOTS),
        SNAPSHOT_EVERY_SLOTS: '64',
        LOG_LEVEL: 'warn',
      },
    });
    await fleet.up(120_000);
  });

  afterAll(async () => {
    await fleet?.down();
    await dropDatabase();
    rmSync(workDir, { recursive: true, force: true });
    if (log.length > 0) console.log(log.join('\n'));
  });

  /** The largest state seen on any acceptor and leader, sampled every 200 ms until stopped. */
  function samplePeaks(): { stop: () => Promise<Peak> } {
    const peak: Peak = { acceptedSlots: 0, leaderProposals: 0, leaderDecided: 0 };
    let running = true;
    const loop = (async () => {
      while (running) {
        for (const s of fleet.services) {
          if (!fleet.isRunning(s.name)) continue;
          const state = ((await getJson(s.port, '/state')) as { state?: Record<string, number> })
            ?.state;
          if (!state) continue;
          if (s.kind === 'acceptor') {
            peak.acceptedSlots = Math.max(peak.acceptedSlots, state.acceptedSlots ?? 0);
          } else if (s.kind === 'leader') {
            peak.leaderProposals = Math.max(peak.leaderProposals, state.proposals ?? 0);
            peak.leaderDecided = Math.max(peak.leaderDecided, state.decided ?? 0);
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return peak;
      },
    };
  }

  const clientOf = (replicas: string[], first: number) =>
    new KvClient({
      replicaUrls: replicas.map(url),
      firstReplica: first % replicas.length,
      commandDeadlineMs: 30_000,
      attemptTimeoutMs: 10_000,
      clock: wallClock,
    });

  it('keeps state bounded without a replica, replaces it, and fails over the leader', async () => {
    const started = Date.now();
    const step = (what: string) =>
      log.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

    // 1. A replica is lost for good; several MB go through the other two.
    await fleet.kill('replica-2');
    step('replica-2 SIGKILLed for good');
    const live = ['replica-0', 'replica-1'];
    const clients = Array.from({ length: CLIENTS }, (_, i) => clientOf(live, i));
    const sampler = samplePeaks();
    const slotBefore = await slotOut('replica-0');
    let written = 0;
    await Promise.all(
      clients.map(async (client, c) => {
        for (let n = c; n < WRITES; n += CLIENTS) {
          const value = `${c}-${n}-`.padEnd(VALUE_BYTES, 'x');
          const { result } = await client.run({ kind: 'put', key: `k${n % KEYS}`, value });
          expect(result).not.toBeNull();
          written += VALUE_BYTES;
        }
      }),
    );
    const peak = await sampler.stop();
    const slots = (await slotOut('replica-0')) - slotBefore;
    step(
      `wrote ${(written / 1_048_576).toFixed(1)} MiB in ${slots} slots; peaks ${JSON.stringify(peak)}`,
    );
    expect(written).toBeGreaterThanOrEqual(3 * 1_048_576);
    // Bounded, and the bound is far below what was written: the state did not grow with it.
    expect(slots).toBeGreaterThan(3 * STATE_BOUND);
    expect(peak.acceptedSlots).toBeLessThanOrEqual(STATE_BOUND);
    expect(peak.leaderProposals).toBeLessThanOrEqual(STATE_BOUND);
    expect(peak.leaderDecided).toBeLessThanOrEqual(STATE_BOUND);

    // 2. fleet replace: a new member with a new id takes the dead one's place.
    const newcomer = await replaceMember(fleet.control(), 'replica-2', {
      stepTimeoutMs: 45_000,
      log: (line) => step(line),
    });
    expect(newcomer).toBe('replica-3');
    expect(fleet.services.some((s) => s.name === 'replica-2')).toBe(false);
    const config = await readConfig(url('replica-0'));
    expect(config?.inForce.replicas).toEqual(['replica-0', 'replica-1', 'replica-3']);
    expect(config?.pending).toBeNull();
    // A write after the change: the newcomer is a replica of the slots from now on.
    const after = clientOf(['replica-0', 'replica-1', 'replica-3'], 2);
    expect(
      (await after.run({ kind: 'put', key: 'after-replace', value: 'yes' })).result,
    ).not.toBeNull();
    const { converged, views } = await waitForConvergence(fleet, 45_000);
    step(`replicas ${JSON.stringify(views)}`);
    expect(converged).toBe(true);
    const transfer = (await getJson(fleet.spec('replica-3').port, '/state')) as {
      state: { counters: { snapshotsInstalled: number } };
    };
    expect(transfer.state.counters.snapshotsInstalled).toBeGreaterThanOrEqual(1);

    // 3. The active leader dies; another is elected and writes go on.
    const leader = await activeLeader(fleet);
    expect(leader).not.toBeNull();
    await fleet.kill(leader!);
    const killedAt = Date.now();
    step(`${leader} SIGKILLed`);
    const during = clientOf(['replica-0', 'replica-1', 'replica-3'], 0);
    expect(
      (await during.run({ kind: 'put', key: 'after-failover', value: 'yes' })).result,
    ).not.toBeNull();
    let successor: string | null = null;
    while (Date.now() - killedAt < 15_000 && (successor = await activeLeader(fleet)) === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const failoverMs = Date.now() - killedAt;
    step(`${successor} active ${failoverMs} ms after the kill`);
    expect(successor).not.toBeNull();
    expect(successor).not.toBe(leader);
    expect(failoverMs).toBeLessThan(15_000);
    for (let i = 0; i < 5; i++) {
      expect(
        (await during.run({ kind: 'put', key: `k${i}`, value: `final-${i}` })).result,
      ).not.toBeNull();
    }

    // Nothing acknowledged was lost, and every replica agrees.
    const reader = clientOf(['replica-0', 'replica-1', 'replica-3'], 1);
    const finalValues = new Map<string, string | null>();
    for (const key of [
      ...Array.from({ length: KEYS }, (_, k) => `k${k}`),
      'after-replace',
      'after-failover',
    ]) {
      finalValues.set(key, (await reader.run({ kind: 'get', key })).result?.value ?? null);
    }
    const history = [...clients, after, during].flatMap((c) => c.history);
    expect(findLostWrites(history, finalValues)).toEqual([]);
    expect((await waitForConvergence(fleet, 45_000)).converged).toBe(true);
    step('done');
  });

  async function slotOut(replica: string): Promise<number> {
    const v = (await getJson(fleet.spec(replica).port, '/state')) as { state: { slotOut: number } };
    return v.state.slotOut;
  }
});
