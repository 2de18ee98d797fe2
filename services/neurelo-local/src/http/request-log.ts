import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { toErrorResponse } from './api-error';

/**
 * One log line per request: method, path (no query string, no headers, so no API key and no
 * variable values), status and duration. Successes are debug: a fleet long-polls all day.
 */
export function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    logWhenClosed(logger, req.method, () => req.baseUrl + req.path, res);
    next();
  };
}

/** The same line for a request served without express; `path` is read when it closes. */
export function logWhenClosed(
  logger: Logger,
  method: string | undefined,
  path: () => string,
  res: ServerResponse,
): void {
  const startedAt = process.hrtime.bigint();
  res.on('close', () => {
    const status = res.statusCode;
    const line = {
      method,
      path: path(),
      status,
      aborted: !res.writableFinished,
      durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
    };
    if (status >= 500) logger.warn(line, 'request failed');
    else if (status >= 400) logger.info(line, 'request refused');
    else logger.debug(line, 'request');
  });
}

/** Logs the errors that are not the client's fault (5xx) with their cause, then passes them on. */
export function logServerErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, _res, next) => {
    const { status } = toErrorResponse(err);
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request error');
    next(err);
  };
}
