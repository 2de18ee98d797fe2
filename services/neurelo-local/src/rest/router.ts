import express, { type Request, type Response, type Router } from 'express';
import type { Database } from '../db/database';
import { notFound } from '../http/api-error';
import type { NeureloSchema } from '../schema/schema';
import { quoted } from './field-values';
import { modelsOf, type Model } from './model';
import {
  createMany,
  createOne,
  deleteById,
  deleteMany,
  findById,
  findMany,
  updateById,
  updateMany,
  type Operation,
} from './operations';

/**
 * Neurelo's auto-generated REST endpoints for every object of schema.json, mounted by the
 * app at `/rest` (after authentication):
 *
 *   GET    /{m}            find many   ?select ?filter ?order_by ?skip ?take (take <= 1000, default 1000)
 *   POST   /{m}            create many (JSON array)                 201 {"data":{"count":N}}
 *   PATCH  /{m}?filter=    update many (filter required; {} = all)  200 {"data":{"count":N}}
 *   DELETE /{m}?filter=    delete many (filter required; {} = all)  200 {"data":{"count":N}}
 *   POST   /{m}/__one      create one                               201 {"data":row}
 *   GET|PATCH|DELETE /{m}/{value}  by identifier (single-field identifiers only) 200 {"data":row} / 404
 *
 * Errors are thrown as ApiError and rendered by the app's errorHandler.
 */

export interface RestRouterDeps {
  db: Database;
  schema: NeureloSchema;
}

/**
 * Parses JSON bodies when the app has not already (body-parser skips a request whose body
 * was read), so the router also works on its own.
 */
const BODY_LIMIT_STANDALONE = '1mb';

export function createRestRouter(deps: RestRouterDeps): Router {
  const models = modelsOf(deps.schema);
  const known = [...models.keys()].join(', ');

  const modelOfRequest = (req: Request): Model => {
    const name = String(req.params.object);
    const model = models.get(name);
    if (!model) throw notFound(`the schema has no object ${quoted(name)} (objects: ${known})`);
    return model;
  };

  const handle =
    (operation: Operation) =>
    async (req: Request, res: Response): Promise<void> => {
      const model = modelOfRequest(req);
      const response = await operation(deps.db, model, {
        query: req.query as Record<string, unknown>,
        body: req.body as unknown,
        identifier: typeof req.params.value === 'string' ? req.params.value : undefined,
      });
      res.status(response.status).json(response.body);
    };

  const router = express.Router();
  router.use(express.json({ limit: BODY_LIMIT_STANDALONE }));
  router.get('/:object', handle(findMany));
  router.post('/:object', handle(createMany));
  router.patch('/:object', handle(updateMany));
  router.delete('/:object', handle(deleteMany));
  // Declared before /:object/:value; `__one` is only special for POST, as in Neurelo.
  router.post('/:object/__one', handle(createOne));
  router.get('/:object/:value', handle(findById));
  router.patch('/:object/:value', handle(updateById));
  router.delete('/:object/:value', handle(deleteById));
  return router;
}
