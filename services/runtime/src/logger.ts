import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs, one line per event, on stdout. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['apiKey', 'headers["x-api-key"]', 'config.apiKey'],
  });
}
