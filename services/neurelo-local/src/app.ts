import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { customFastRoute } from './custom/fast-route';
import { createCustomEndpoint } from './custom/custom-endpoint';
import { createCustomRouter } from './custom/router';
import type { CustomQuery } from './custom/custom-query';
import { DrainHints } from './custom/drain-hints';
import { NotificationHub } from './custom/notification-hub';
import type { Database } from './db/database';
import { VacuumScheduler } from './db/vacuum-scheduler';
import { errorHandler, notFound } from './http/api-error';
import { apiKeyCheck, requireApiKey, type ApiKeys } from './http/auth';
import { logRequests, logServerErrors } from './http/request-log';
import { createRestRouter } from './rest/router';
import { tableOf, type NeureloSchema } from './schema/schema';

/** 1 MiB: a step_commit with a full window of sends is far below it. */
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;

export interface AppDeps {
  db: Database;
  schema: NeureloSchema;
  queries: CustomQuery[];
  apiKeys: ApiKeys;
  bodyLimitBytes?: number;
  logger?: Logger;
  /** Aborted on server shutdown: long-polling requests answer at once instead of holding it up. */
  shutdown?: AbortSignal;
  /** Vacuum the schema's tables this long after writes (0: never; see vacuum-scheduler.ts). */
  vacuumEveryMs?: number;
}

/** Often enough that a busy queue never carries more than a second or two of dead rows. */
export const DEFAULT_VACUUM_EVERY_MS = 2_000;

/** The server's request listener: `http.createServer(app)`, or supertest's `request(app)`. */
export type DataApiApp = (req: IncomingMessage, res: ServerResponse) => void;

/** Each app's hub, for `waitingRequests`; a WeakMap keeps the app a plain function. */
const hubs = new WeakMap<DataApiApp, NotificationHub>();

/**
 * The local Neurelo data API: `GET /healthz` (no key), then, behind `X-API-KEY`,
 * `/custom/{name}` (the query files) and `/rest/{object}` (schema.json's objects).
 */
export function createApp(deps: AppDeps): DataApiApp {
  const logger = deps.logger ?? pino({ level: 'silent' });
  const hub = new NotificationHub(deps.db);
  const vacuum = new VacuumScheduler(
    deps.db,
    Object.entries(deps.schema.objects).map(([name, o]) => tableOf(name, o)),
    deps.vacuumEveryMs ?? DEFAULT_VACUUM_EVERY_MS,
    logger,
  );
  deps.shutdown?.addEventListener(
    'abort',
    () => {
      hub.close();
      vacuum.close();
    },
    { once: true },
  );

  const bodyLimitBytes = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const custom = { db: deps.db, queries: deps.queries, hub, drainHints: new DrainHints() };
  const fastRoute = customFastRoute({
    endpoint: createCustomEndpoint(custom),
    checkKey: apiKeyCheck(deps.apiKeys, 'none'),
    bodyLimitBytes,
    logger,
    onWrite: () => vacuum.noteWrites(),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(logRequests(logger));
  // Any request that may have written (not a GET, answered 2xx) counts towards a vacuum round;
  // an empty long poll counts too, which at an idle fleet's pace hardly matters.
  app.use((req, res, next) => {
    if (req.method !== 'GET') {
      res.on('finish', () => {
        if (res.statusCode < 300) vacuum.noteWrites();
      });
    }
    next();
  });

  app.get('/healthz', async (_req, res) => {
    await deps.db.query('SELECT 1');
    res.json({ data: { status: 'ok', storage: deps.db.kind } });
  });

  // The key is checked before the body is read: an unauthenticated client cannot make the
  // server parse megabytes.
  const json = express.json({ limit: bodyLimitBytes });
  app.use('/custom', requireApiKey(deps.apiKeys, 'none'), json, createCustomRouter(custom));
  app.use(
    '/rest',
    requireApiKey(deps.apiKeys, 'reads'),
    json,
    createRestRouter({ db: deps.db, schema: deps.schema }),
  );

  app.use((req) => {
    throw notFound(`no route for ${req.method} ${req.path}`);
  });
  app.use(logServerErrors(logger));
  app.use(errorHandler);

  const listener: DataApiApp = (req, res) => {
    if (!fastRoute(req, res)) app(req, res);
  };
  hubs.set(listener, hub);
  return listener;
}

/** How many long-polling requests are waiting right now. */
export function waitingRequests(app: DataApiApp): number {
  return hubs.get(app)?.waitingCount ?? 0;
}
