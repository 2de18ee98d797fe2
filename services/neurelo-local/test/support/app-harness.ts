import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type DataApiApp } from '../../src/app';
import { loadQueries } from '../../src/custom/query-file';
import type { Database } from '../../src/db/database';
import { loadSchema } from '../../src/schema/schema';
import { openTestDatabase, type TestDatabase } from './test-database';

export const READ_WRITE_KEY = 'neurelo_test_read_write';
export const READ_ONLY_KEY = 'neurelo_test_read_only';

export interface TestApp {
  app: DataApiApp;
  /** The test's own database (on PGlite: the same one the app uses). */
  t: TestDatabase;
  close(): Promise<void>;
}

/** The real app over a fresh database of its own; `db` replaces the app's database if given. */
export async function openTestApp(
  tag: string,
  options: { bodyLimitBytes?: number; db?: (t: TestDatabase) => Database } = {},
): Promise<TestApp> {
  const t = await openTestDatabase(tag);
  const db = options.db ? options.db(t) : t.db;
  const shutdown = new AbortController();
  const app = createApp({
    db,
    schema: loadSchema(),
    queries: loadQueries(),
    apiKeys: { readWrite: [READ_WRITE_KEY], readOnly: [READ_ONLY_KEY] },
    shutdown: shutdown.signal,
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
  });
  return {
    app,
    t,
    close: async () => {
      shutdown.abort();
      if (db !== t.db) await db.close();
      await t.drop();
    },
  };
}

/** Serves the app on a free local port, for clients that need a real socket (fetch, many at once). */
export async function listen(
  app: DataApiApp,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface QueryResponse<T> {
  status: number;
  body: { data?: T[]; errors?: { error: string }[] };
  headers: Headers;
}

/** Calls a custom query over HTTP with the read-write key (POST body, or query string for GET/DELETE). */
export async function callQuery<T = Record<string, unknown>>(
  baseUrl: string,
  name: string,
  variables: Record<string, unknown> = {},
  options: { method?: string; waitSeconds?: number; signal?: AbortSignal } = {},
): Promise<QueryResponse<T>> {
  const method = options.method ?? 'POST';
  const inQuery = method === 'GET' || method === 'DELETE';
  const query = inQuery
    ? `?${new URLSearchParams(Object.entries(variables).map(([k, v]): [string, string] => [k, String(v)])).toString()}`
    : '';
  const headers: Record<string, string> = { 'X-API-KEY': READ_WRITE_KEY };
  if (!inQuery) headers['Content-Type'] = 'application/json';
  if (options.waitSeconds) headers.Prefer = `wait=${options.waitSeconds}`;
  const res = await fetch(`${baseUrl}/custom/${name}${query}`, {
    method,
    headers,
    ...(inQuery ? {} : { body: JSON.stringify(variables) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as QueryResponse<T>['body'],
    headers: res.headers,
  };
}

/** A batch for queue_push / step_commit sends: `{id, dst, payload}` with payload as a JSON string. */
export const messages = (dst: string, ids: string[]): string =>
  JSON.stringify(ids.map((id) => ({ id, dst, payload: JSON.stringify({ id }) })));

/** `describe` that runs only against a real PostgreSQL, and says why it was skipped otherwise. */
export const describeOnPostgres = (name: string, fn: () => void): void =>
  process.env.DATABASE_URL
    ? describe(name, fn)
    : describe.skip(
        `${name} [skipped: needs a real PostgreSQL, set DATABASE_URL; PGlite has one connection]`,
        fn,
      );
