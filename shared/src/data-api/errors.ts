/**
 * The ways a data-API call can fail, one class each, so a caller can tell "my request is
 * wrong" (never retried) from "the service is away" (retried, then given up) from "the
 * service answered something we cannot read" (a protocol mismatch).
 *
 * None of these carry the underlying transport error or the request configuration: those hold the
 * X-API-KEY header, and an error serializer that logs `cause` would print the key.
 */

/** The service answered 4xx. Retrying the same request cannot help. */
export class DataApiRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The `error` strings of the response's `errors` envelope (or a summary of the body). */
    readonly messages: string[],
  ) {
    super(`${method} ${path} was refused with ${status}: ${messages.join('; ') || '(no message)'}`);
    this.name = 'DataApiRequestError';
  }
}

/** Network failures, timeouts or 5xx answers outlasted every retry. */
export class DataApiUnavailableError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly attempts: number,
    /** The last failure: an HTTP status, or a network error code such as ECONNRESET or TIMEOUT. */
    readonly lastFailure: string,
  ) {
    super(`${method} ${path} failed after ${attempts} attempt(s); last failure: ${lastFailure}`);
    this.name = 'DataApiUnavailableError';
  }
}

/** A 2xx answer whose body does not match the documented envelope or row shape. */
export class DataApiResponseError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${method} ${path} answered with an unexpected body: ${reason}`);
    this.name = 'DataApiResponseError';
  }
}

/** The caller's AbortSignal fired (graceful shutdown) before the call finished. */
export class DataApiAbortedError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} was aborted by the caller`);
    this.name = 'DataApiAbortedError';
  }
}
