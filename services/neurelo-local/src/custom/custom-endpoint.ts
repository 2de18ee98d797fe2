import type { Database } from '../db/database';
import { ApiError, notFound } from '../http/api-error';
import { variablesInQueryString, type CustomQuery } from './custom-query';
import type { DrainHints } from './drain-hints';
import { runWithLongPoll } from './long-poll';
import type { NotificationHub } from './notification-hub';
import { bindVariables, toParameters } from './variables';
import { parseWaitPreference } from './wait-preference';

export interface CustomEndpointDeps {
  db: Database;
  queries: CustomQuery[];
  hub: NotificationHub;
  /** Shared by every route of one server, so that a claim can use the hint of the one before. */
  drainHints?: DrainHints;
}

/** One call of `/custom/{name}`, whichever HTTP layer received it. */
export interface CustomCall {
  name: string;
  method: string;
  /** The parsed query string (GET, DELETE) or the parsed JSON body (the other methods). */
  query: unknown;
  body: unknown;
  /** The `Prefer` header. */
  prefer: string | undefined;
  /** Aborted when the client disconnects: a long poll stops waiting. */
  clientGone: AbortSignal;
}

export interface CustomAnswer {
  headers: Record<string, string>;
  body: { data: unknown[] };
}

/**
 * `/custom/{name}`: runs the named query with the call's variables and answers
 * `{"data": [rows]}`. An unknown name is 404. A known name asked with another method is 405 with
 * an `Allow` header: the endpoint exists, only for one method, which is what HTTP frameworks
 * that route by path and method (as Neurelo's gateway does) answer; a client sees its mistake.
 * A query with a `wait:` header long-polls when the call asks for it (`Prefer: wait=N`).
 */
export function createCustomEndpoint(
  deps: CustomEndpointDeps,
): (call: CustomCall) => Promise<CustomAnswer> {
  const byName = new Map(deps.queries.map((q) => [q.name, q]));
  return async (call): Promise<CustomAnswer> => {
    const query = byName.get(call.name);
    if (!query) throw notFound(`there is no custom query named "${call.name}"`);
    if (call.method !== query.method) {
      throw new ApiError(405, `custom query ${query.name} is called with ${query.method}`, {
        allow: [query.method],
      });
    }
    const variables = bindVariables(
      query,
      variablesInQueryString(query.method) ? call.query : call.body,
    );
    const parameters = toParameters(query, variables);
    const run = async (): Promise<unknown[]> =>
      (await deps.db.queryPrepared(query.sql, parameters)).rows;

    const waitSeconds = query.wait ? parseWaitPreference(call.prefer) : undefined;
    if (!query.wait || waitSeconds === undefined)
      return { headers: {}, body: { data: await run() } };
    const rows = await runWithLongPoll({
      hub: deps.hub,
      channel: query.wait.channel,
      key: String(variables[query.wait.variable]),
      waitMs: waitSeconds * 1_000,
      signal: call.clientGone,
      run,
      ...drainedBelowCap(query, variables),
      hints: deps.drainHints,
      hintScope: JSON.stringify(parameters),
    });
    return { headers: { 'Preference-Applied': `wait=${waitSeconds}` }, body: { data: rows } };
  };
}

/** `-- wait: <channel> <variable> <cap>`: an answer with fewer rows than the cap drained the key. */
function drainedBelowCap(
  query: CustomQuery,
  variables: Record<string, unknown>,
): { drained?: (rows: unknown[]) => boolean } {
  const capVariable = query.wait?.cap;
  if (capVariable === undefined) return {};
  const cap = Number(variables[capVariable]);
  return { drained: (rows) => rows.length < cap };
}

/** The `Allow` header a 405 carries, from the error's details. */
export function allowHeaderOf(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.status !== 405) return null;
  const allow = err.details?.allow;
  return Array.isArray(allow) ? allow.join(', ') : null;
}
