/**
 * The local Neurelo server process: `npx tsx services/neurelo-local/src/main.ts`.
 * Configured by the environment (see config.ts); logs JSON lines to stdout. SIGTERM or SIGINT
 * stops it gracefully: long polls answer at once, in-flight requests finish, the database closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { loadQueries } from './custom/query-file';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open';
import { loadSchema } from './schema/schema';

const SHUTDOWN_GRACE_MS = 10_000;

const logger = pino({ base: { service: 'neurelo-local', pid: process.pid } });

async function main(config: Config): Promise<void> {
  logger.level = config.logLevel;
  // Load the files before touching the database: a broken query file stops the start at once.
  const schema = loadSchema();
  // NEURELO_QUERIES_DIR: another folder of query files (the benchmark's schema variants).
  const queries = loadQueries(process.env.NEURELO_QUERIES_DIR || undefined);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
  });
  const applied = await migrate(db);
  const shutdown = new AbortController();
  const app = createApp({
    db,
    schema,
    queries,
    apiKeys: config.apiKeys,
    bodyLimitBytes: config.bodyLimitBytes,
    vacuumEveryMs: config.vacuumEveryMs,
    logger,
    shutdown: shutdown.signal,
  });
  const server = createServer(app).listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  logger.info(
    {
      host: config.host,
      port,
      storage: db.kind,
      migrationsApplied: applied,
      queries: queries.map((q) => q.name),
      readOnlyKey: config.apiKeys.readOnly.length > 0,
    },
    'listening',
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    shutdown.abort();
    const forced = setTimeout(() => {
      logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still open after the grace period');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS).unref();
    server.close(() => {
      clearTimeout(forced);
      db.close()
        .catch((err: unknown) => logger.error({ err }, 'closing the database failed'))
        .finally(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  logger.fatal({ variable: err.variable }, err.message);
  process.exit(2);
}
main(config).catch((err: unknown) => {
  logger.fatal({ err }, 'the server could not start');
  process.exit(1);
});
