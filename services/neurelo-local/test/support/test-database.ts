import { Client } from 'pg';
import type { Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { openDatabase } from '../../src/db/open';

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
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString() });
  await migrate(db);
  return {
    db,
    databaseUrl: url.toString(),
    drop: async () => {
      await db.close();
      await withAdmin(adminUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}
