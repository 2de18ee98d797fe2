import express, { type Request, type Response } from 'express';
import type { Database } from '../db/database';
import { ApiError, notFound } from '../http/api-error';
import { variablesInQueryString, type CustomQuery } from './custom-query';
import { runWithLongPoll } from './long-poll';
import type { NotificationHub } from './notification-hub';
import { bindVariables, toParameters } from './variables';
import { parseWaitPreference } from './wait-preference';

export interface CustomRouterDeps {
  db: Database;
  queries: CustomQuery[];
  hub: NotificationHub;
}

/**
 * `/custom/{name}`: runs the named query with the request's variables and answers
 * `{"data": [rows]}`. An unknown name is 404. A known name asked with another method is 405 with
 * an `Allow` header: the endpoint exists, only for one method, which is what HTTP frameworks
 * that route by path and method (as Neurelo's gateway does) answer; a client sees its mistake.
 */
export function createCustomRouter(deps: CustomRouterDeps): express.Router {
  const byName = new Map(deps.queries.map((q) => [q.name, q]));
  const router = express.Router();
  router.all('/:name', async (req: Request<{ name: string }>, res: Response) => {
    const query = byName.get(req.params.name);
    if (!query) throw notFound(`there is no custom query named "${req.params.name}"`);
    if (req.method !== query.method) {
      res.set('Allow', query.method);
      throw new ApiError(405, `custom query ${query.name} is called with ${query.method}`, {
        allow: [query.method],
      });
    }
    const variables = bindVariables(
      query,
      variablesInQueryString(query.method) ? req.query : (req.body as unknown),
    );
    const parameters = toParameters(query, variables);
    const run = async (): Promise<unknown[]> =>
      (await deps.db.queryPrepared(query.sql, parameters)).rows;

    const waitSeconds = query.wait ? parseWaitPreference(req.get('prefer')) : undefined;
    if (!query.wait || waitSeconds === undefined) {
      res.json({ data: await run() });
      return;
    }
    res.set('Preference-Applied', `wait=${waitSeconds}`);
    const clientGone = new AbortController();
    res.on('close', () => clientGone.abort());
    const rows = await runWithLongPoll({
      hub: deps.hub,
      channel: query.wait.channel,
      key: String(variables[query.wait.variable]),
      waitMs: waitSeconds * 1_000,
      signal: clientGone.signal,
      run,
    });
    if (!res.destroyed) res.json({ data: rows });
  });
  return router;
}
