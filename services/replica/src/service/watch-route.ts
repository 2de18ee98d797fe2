import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizeRead, type ClientAccessDeps } from './client-auth';
import { RETRY_AFTER_SECONDS, isPath, reply } from './http-io';
import type { WatchHub } from './watch-hub';
import { parseWatchQuery } from './watch-query';

export interface WatchRouteDeps {
  hub: WatchHub;
  access: ClientAccessDeps;
  isReady: () => boolean;
}

/**
 * GET /watch: the change feed as server-sent events (docs/watch.md). Checked in this order: the
 * method (405), the query (400), the key (401, 403: read access to every key under the
 * prefix), readiness and the watcher bound (503), the retention (410); then the feed runs until
 * the client leaves, the replica stops, or the watcher lags.
 */
export function watchRoute(
  d: WatchRouteDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (!isPath(req.url, '/watch')) return false;
    if (req.method !== 'GET') {
      reply(res, 405, { code: 'method-not-allowed', error: 'GET /watch only' }, { allow: 'GET' });
      return true;
    }
    const query = parseWatchQuery(req);
    if ('error' in query) {
      reply(res, 400, { code: 'invalid-watch', error: query.error });
      return true;
    }
    const refusal = authorizeRead(d.access, req, query.prefix);
    if (refusal !== null) {
      reply(res, refusal.status, { code: refusal.code, error: refusal.error });
      return true;
    }
    if (!d.isReady()) {
      reply(
        res,
        503,
        { code: 'not-ready', error: 'the replica is not ready', retryable: true },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
      return true;
    }
    const added = d.hub.add(res, query.prefix, query.from);
    if (added.ok) return true;
    if (added.status === 503) {
      reply(
        res,
        503,
        { code: added.code, error: added.error, retryable: true },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    } else {
      reply(res, 410, {
        code: added.code,
        error: added.error,
        oldestRevision: added.oldestRevision,
      });
    }
    return true;
  };
}
