import { Client } from 'pg';

/** The machine's PostgreSQL unless BENCH_DATABASE_URL or DATABASE_URL names another one. */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

export function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A name no other run (or helper) uses: `paxos_bench_<config>_<pid>`. */
export function benchDatabaseName(configuration: string, pid = process.pid): string {
  return `paxos_bench_${configuration.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${pid}`;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database (dropping a leftover of the same name first). */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return databaseUrlFor(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

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
