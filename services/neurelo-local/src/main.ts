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
import { DataDirLockedError } from './db/data-dir-lock';
import type { FollowEvent } from './db/following-postgres';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open';
import { untilDatabaseAnswers } from './db/wait-for-database';
import { loadSchema } from './schema/schema';

const SHUTDOWN_GRACE_MS = 10_000;
const KEEP_ALIVE_MS = 65_000;

const logger = pino({ base: { service: 'neurelo-local', pid: process.pid } });

/**
 * The first contact with the database, waited for while it is not up yet (its container may
 * start after this one). A SIGTERM meanwhile stops the process at once: nothing is open yet.
 */
async function waitForDatabase<T>(attempt: () => Promise<T>): Promise<T> {
  const stopWaiting = (): never => {
    logger.info('stopped while waiting for the database');
    process.exit(0);
  };
  process.once('SIGTERM', stopWaiting);
  process.once('SIGINT', stopWaiting);
  try {
    return await untilDatabaseAnswers(attempt, (err, tries, delayMs) =>
      logger.warn(
        { err: describeOutage(err), attempt: tries, retryInMs: delayMs },
        'the database does not answer yet; waiting for it',
      ),
    );
  } finally {
    process.removeListener('SIGTERM', stopWaiting);
    process.removeListener('SIGINT', stopWaiting);
  }
}

/** The error's code and message, without its stack (the log line repeats while waiting). */
const describeOutage = (err: unknown): string => {
  const e = err as { code?: string; message?: string } | null;
  return [e?.code, e?.message].filter(Boolean).join(': ') || String(err);
};

/** A highly available PostgreSQL's primary lost, looked for and found (DATABASE_URLS). */
function logPrimaryEvent(e: FollowEvent): void {
  if (e.kind === 'following') {
    logger.info({ primary: e.node, searchMs: e.searchMs }, 'following the database primary');
  } else if (e.kind === 'lost') {
    logger.warn(
      { primary: e.node, reason: e.reason },
      'the database primary is gone or demoted; answering 503 until another is found',
    );
  } else {
    logger.warn({ reason: e.reason, searchMs: e.searchMs }, 'looking for the database primary');
  }
}

async function main(config: Config): Promise<void> {
  logger.level = config.logLevel;
  for (const warning of config.securityWarnings) logger.warn(`unsafe outside a test: ${warning}`);
  // Load the files before touching the database: a broken query file stops the start at once.
  const schema = loadSchema();
  // NEURELO_QUERIES_DIR: another folder of query files (the benchmark's schema variants).
  const queries = loadQueries(process.env.NEURELO_QUERIES_DIR || undefined);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    databaseUrls: config.databaseUrls,
    onPrimaryEvent: logPrimaryEvent,
    pgliteDataDir: config.pgliteDataDir,
    onStaleLock: (stale, lockFile) =>
      logger.warn(
        { dataDir: config.pgliteDataDir, lockFile, stalePid: stale.pid },
        `took over the lock of the PGlite data folder from process ${stale.pid}, which is gone`,
      ),
  });
  const applied = await waitForDatabase(() => migrate(db));
  const warm = await db.warmUp?.();
  if (warm) {
    // Slow or failed connections here (a name lookup, the network) explain slow requests later.
    const level = warm.failed > 0 || warm.ms > 1_000 ? 'warn' : 'info';
    logger[level](warm, 'database connections opened');
  }
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
  const server = createServer(app);
  // Node closes a keep-alive connection after 5 s without a request. The roles' clients keep
  // theirs open, so every pause over 5 s would cost a reconnect (a name lookup and a
  // handshake) and could meet a request sent just as the server closes the connection.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  server.listen(config.port, config.host);
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
    // A connection whose last answer (a long poll's, say) went out after close() began stays
    // open for the keep-alive time: close those as they fall idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 100).unref();
    server.close(() => {
      clearTimeout(forced);
      clearInterval(sweep);
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
  if (err instanceof DataDirLockedError) {
    // Expected, and the message says it all: no stack.
    logger.fatal({ dataDir: err.dataDir, holderPid: err.holder.pid }, err.message);
  } else logger.fatal({ err }, 'the server could not start');
  process.exit(1);
});
