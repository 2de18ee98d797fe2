/**
 * The errors a PaxosClient raises. Every one is a PaxosError with a machine-readable `code`
 * (the replica's own code when it sent one) and the HTTP `status` that ended the call (0 when
 * none did). `mayHaveRun` is true when the operation is a write that may or may not have been
 * applied: the client cannot tell, and never resubmits it on its own.
 */
export class PaxosError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly mayHaveRun = false,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 401: the key is missing or wrong. */
export class UnauthorizedError extends PaxosError {}

/** 403: the key is used beyond its rights (read-only, outside its prefix), or a refused origin. */
export class ForbiddenError extends PaxosError {}

/**
 * 400, 409, 413, 415: the replica refused the request and nothing ran (a bad key or value, a
 * request id reused for another operation, a value or store over its bound).
 */
export class InvalidRequestError extends PaxosError {}

/**
 * 410 session-unknown / request-too-old: the command did not run now, and whether an earlier
 * attempt of it ran is unknown. Read the key (or use cas) to find out; it is never resubmitted.
 */
export class OutcomeUnknownError extends PaxosError {
  constructor(message: string, code: string, status: number) {
    super(message, code, status, true);
  }
}

/** No replica gave a final answer within the retry bound (every one down, busy or unready). */
export class UnavailableError extends PaxosError {}

/** The call's `timeoutMs` ran out before a final answer. */
export class TimeoutError extends PaxosError {}

/** The caller's AbortSignal fired before a final answer. */
export class AbortedError extends PaxosError {}

/** The change feed no longer holds the revision a watch asked for. */
export class CompactedError extends PaxosError {
  constructor(
    message: string,
    /** The oldest revision the feed can still resume from. */
    readonly oldestRevision: number,
  ) {
    super(message, 'revision-compacted', 410);
  }
}

/** The words every error about a write whose outcome is unknown ends with. */
export const OUTCOME_UNKNOWN_ADVICE =
  'the write may or may not have been applied; read the key (or use cas) to find out';
