/** @durable-paxos/client: a typed client of a durable-paxos fleet's key-value API. */
export { PaxosClient, type ListRange } from './client';
export {
  AbortedError,
  CompactedError,
  ForbiddenError,
  InvalidRequestError,
  OutcomeUnknownError,
  PaxosError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
} from './errors';
export type { PaxosClientOptions, RetryOptions } from './options';
export type {
  CallOptions,
  ReadOptions,
  CasResult,
  Change,
  CommandAnswer,
  Entry,
  GetResult,
  ListResult,
  Op,
  WriteResult,
} from './types';
export { REVISION_SLOT_FACTOR, type WatchOptions } from './watch';
