import {
  createScratchDatabase,
  dropScratchDatabase,
} from '@paxos/neurelo-local/src/db/scratch-database';

/**
 * A fresh, empty database for one fleet test on the PostgreSQL of DATABASE_URL (the local
 * Neurelo server migrates it at start), or undefined when DATABASE_URL is unset (the fleet
 * then runs on PGlite).
 */
export async function freshFleetDatabase(
  tag: string,
): Promise<{ databaseUrl: string | undefined; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return { databaseUrl: undefined, drop: async () => undefined };
  const name = `paxos_fleet_${tag.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}`;
  const databaseUrl = await createScratchDatabase(adminUrl, name);
  return { databaseUrl, drop: () => dropScratchDatabase(adminUrl, name) };
}
