import type { Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { openDatabase } from '../../src/db/open';
import { createScratchDatabase, dropScratchDatabase } from '../../src/db/scratch-database';

/**
 * A fresh, migrated database for one test file: a database of its own on the PostgreSQL
 * that DATABASE_URL names (CI sets it), or an in-memory PGlite when DATABASE_URL is unset.
 */
export interface TestDatabase {
  db: Database;
  /** The connection string of the fresh database (undefined on PGlite). */
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export async function openTestDatabase(tag: string): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const db = await openDatabase({});
    await migrate(db);
    return { db, databaseUrl: undefined, drop: () => db.close() };
  }
  const name = `paxos_t_${tag.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}`;
  const databaseUrl = await createScratchDatabase(adminUrl, name);
  const db = await openDatabase({ databaseUrl });
  await migrate(db);
  return {
    db,
    databaseUrl,
    drop: async () => {
      await db.close();
      await dropScratchDatabase(adminUrl, name);
    },
  };
}
