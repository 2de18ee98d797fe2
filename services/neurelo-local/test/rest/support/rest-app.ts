import express from 'express';
import type { Database } from '../../../src/db/database';
import { errorHandler } from '../../../src/http/api-error';
import { createRestRouter } from '../../../src/rest/router';
import { loadSchema } from '../../../src/schema/schema';

/** The REST router as the app mounts it, minus authentication. */
export function restApp(db: Database): express.Express {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use('/rest', createRestRouter({ db, schema: loadSchema() }));
  app.use(errorHandler);
  return app;
}

/** A find-many query string from JSON-valued parameters. */
export function query(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
}
