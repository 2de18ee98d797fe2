import {
  createScratchDatabase,
  dropScratchDatabase,
} from '@paxos/neurelo-local/src/db/scratch-database';
import { Client } from 'pg';

export { databaseUrlFor } from '@paxos/neurelo-local/src/db/scratch-database';

/** The machine's PostgreSQL unless BENCH_DATABASE_URL or DATABASE_URL names another one. */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

/** A name no other run (or helper) uses: `paxos_bench_<config>_<pid>`. */
export function benchDatabaseName(configuration: string, pid = process.pid): string {
  return `paxos_bench_${configuration.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${pid}`;
}

/** Creates an empty database (dropping a leftover of the same name first). */
export const createDatabase = createScratchDatabase;
export const dropDatabase = dropScratchDatabase;

/**
 * A connection kept for a while (the bench's statistics reader). Dropping the database ends it
 * from the server side (an interrupted run): that must not crash the bench.
 */
export async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}
