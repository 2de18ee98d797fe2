import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fleet } from '../../src/fleet/fleet';
import type { FleetOptions } from '../../src/fleet/topology';
import { freshFleetDatabase } from './fleet-database';

/**
 * A real fleet for one test file: every service its own OS process, on a fresh database of
 * DATABASE_URL's PostgreSQL (PGlite otherwise), in a work directory of its own that goes away
 * with it (KEEP_FLEET_DIR=1 keeps its logs to read after a failure).
 */

/** Timings that make a failover take about a second instead of several. */
export const QUICK_FAILOVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  LEADER_TIMEOUT_MS: '1000',
  LEADER_HEARTBEAT_MS: '300',
  LEADER_RETRANSMIT_MS: '1000',
  REPLICA_RETRY_MS: '1000',
});

export interface TestFleet {
  fleet: Fleet;
  /** Stops every service and drops the database and the work directory. */
  stop(): Promise<void>;
}

export type TestFleetOptions = Omit<FleetOptions, 'workDir' | 'databaseUrl'> & {
  /** Names the database and the work directory. */
  name: string;
  upTimeoutMs?: number;
};

export async function startTestFleet(o: TestFleetOptions): Promise<TestFleet> {
  const { name, upTimeoutMs = 120_000, ...options } = o;
  const workDir = path.join(os.tmpdir(), `paxos-${name}-fleet-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  const db = await freshFleetDatabase(name);
  const fleet = new Fleet({
    ...options,
    workDir,
    databaseUrl: db.databaseUrl,
    roleEnv: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...options.roleEnv },
  });
  const stop = async (): Promise<void> => {
    await fleet.down();
    await db.drop();
    if (process.env.KEEP_FLEET_DIR === '1') console.log(`fleet logs kept in ${fleet.logDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await fleet.up(upTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { fleet, stop };
}
