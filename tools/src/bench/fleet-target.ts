import { rmSync } from 'node:fs';
import path from 'node:path';
import { Fleet } from '../fleet/fleet';
import {
  adminDatabaseUrl,
  benchDatabaseName,
  createDatabase,
  dropDatabase,
} from './bench-database';
import type { BenchConfiguration } from './configurations';
import { startHaBenchDatabase, type HaBenchDatabase } from './ha-database';
import { probeEnv } from './probe-env';
import { REQUEST_COUNTER_PORT_OFFSET, type BenchTarget } from './target';
import { materializeQueries, migrateVariant, staleVariantQueries } from './variants';

export interface FleetTargetOptions {
  basePort: number;
  workDir: string;
  /** Directory for `node --cpu-prof` output; unset: no profiling. */
  cpuProfileDir?: string;
  log: (line: string) => void;
}

/**
 * Starts a configuration as a real fleet: one OS process per service, the local Neurelo
 * server on a fresh PostgreSQL database of its own (`paxos_bench_*`), migrated by the
 * project's migrations and then by the variant's.
 */
export async function startFleetTarget(
  configuration: BenchConfiguration,
  o: FleetTargetOptions,
): Promise<BenchTarget> {
  const adminUrl = adminDatabaseUrl();
  const databaseName = benchDatabaseName(configuration.name);
  const workDir = path.join(o.workDir, configuration.name);
  rmSync(workDir, { recursive: true, force: true });
  const ha: HaBenchDatabase | null =
    configuration.database === 'ha' ? await startHaBenchDatabase(databaseName, o.log) : null;
  const databaseUrl = ha ? ha.primaryUrl : await createDatabase(adminUrl, databaseName);
  let queriesDir: string | undefined;
  if (configuration.variant) {
    for (const stale of staleVariantQueries(configuration.variant)) {
      o.log(
        `WARNING: neurelo/queries/${stale} changed since variant ${configuration.variant} was derived from it; its row measures stale SQL`,
      );
    }
    try {
      await migrateVariant(databaseUrl, configuration.variant);
      queriesDir = materializeQueries(configuration.variant, workDir);
    } catch (err) {
      // Nothing runs on it yet: a variant that cannot be set up leaves no database behind.
      await dropDatabase(adminUrl, databaseName).catch(() => undefined);
      throw err;
    }
  }
  const fleet = new Fleet({
    acceptors: 3,
    leaders: 2,
    replicas: 2,
    basePort: o.basePort,
    workDir,
    ...(ha ? { databaseUrls: ha.urls } : { databaseUrl }),
    roleEnv: configuration.roleEnv,
  });
  const counterPort = o.basePort + REQUEST_COUNTER_PORT_OFFSET;
  for (const s of fleet.services) {
    Object.assign(
      s.env,
      probeEnv({
        requestCounterPort: s.kind === 'neurelo' ? counterPort : undefined,
        cpuProfileDir: o.cpuProfileDir,
      }),
    );
    if (s.kind === 'neurelo' && queriesDir) s.env.NEURELO_QUERIES_DIR = queriesDir;
  }
  const stop = async (): Promise<void> => {
    await fleet.down();
    if (ha) {
      await ha.stop();
      return;
    }
    await dropDatabase(adminUrl, databaseName).catch((err: unknown) =>
      o.log(`could not drop ${databaseName}: ${(err as Error).message}`),
    );
  };
  try {
    await fleet.up(90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const roles = fleet.services.filter((s) => s.kind !== 'neurelo');
  return {
    configuration,
    replicaUrls: fleet.named('replica').map((s) => `http://127.0.0.1:${s.port}`),
    roles: roles.map((s) => ({ name: s.name, kind: s.kind, port: s.port })),
    processes: () =>
      fleet.services.map((s) => ({ name: s.name, kind: s.kind, pid: fleet.pid(s.name) })),
    requestCounterPort: counterPort,
    database: { name: databaseName, url: databaseUrl },
    stop,
  };
}
