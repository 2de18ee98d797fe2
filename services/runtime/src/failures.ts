/**
 * How the shell tells failures apart. A data-API answer is one of three kinds:
 *   - content: 400, 413 or 422. This request's data was refused (a value PostgreSQL cannot
 *     store, a body too large). Another request may well succeed, so the shell isolates the
 *     message that produced it instead of exiting.
 *   - configuration: any other 4xx (401/403 a bad key, 404 a missing query), and an answer whose
 *     body we cannot read. Nothing will work until someone fixes the deployment: fatal.
 *   - transient: 5xx, timeouts, network errors. The data API or its database is away: retry.
 */
export type FailureKind = 'content' | 'configuration' | 'transient';

const CONTENT_STATUSES = new Set([400, 413, 422]);

export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof ShellFatalError) return 'configuration';
  // A bug in our own request building (a put without a value, a bad argument): never retried.
  if (err instanceof RangeError || err instanceof TypeError) return 'configuration';
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    if (CONTENT_STATUSES.has(status)) return 'content';
    if (status >= 400 && status < 500) return 'configuration';
    return 'transient';
  }
  if ((err as { name?: unknown } | null)?.name === 'DataApiResponseError') return 'configuration';
  return 'transient';
}

/** A process refuses durable state of a protocol version it must not run on. */
export const PROTOCOL_EXIT_CODE = 4;

/**
 * The service must stop: fenced by a newer incarnation, a broken invariant, a deployment
 * mistake (exit code 1), durable state it cannot read (exit code 3, so that an operator sees
 * "corrupt state" rather than a crash loop that looks like an outage), or durable state of a
 * protocol version it must not run on (exit code 4: a downgrade, docs/upgrades.md).
 */
export class ShellFatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 3 | typeof PROTOCOL_EXIT_CODE = 1,
  ) {
    super(message);
    this.name = 'ShellFatalError';
  }
}

/** The process exit code for a fatal error. */
export function exitCodeOf(err: unknown): number {
  return err instanceof ShellFatalError ? err.exitCode : 1;
}

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
