import { Client } from 'pg';

/**
 * Throw-away databases beside the one an admin URL names: every test file, benchmark
 * configuration and fleet test gets its own, so runs never see each other's rows.
 */
export function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates an empty database (dropping a leftover of the same name first); returns its URL. */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  return databaseUrlFor(adminUrl, name);
}

export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
