import { PaxosError } from './errors';
import { UsageError } from './cli-config';

/** The CLI's exit codes: what a script may rely on (docs/client.md). */
export const EXIT = {
  ok: 0,
  /** A wrong command line, no endpoints found, or an unexpected failure. */
  usage: 1,
  /** A replica refused the request (4xx: the key, its rights, the input, a compacted revision). */
  refused: 2,
  /** get: the key is absent; cas: the expectation did not hold. */
  notFound: 3,
  /** No final answer (every replica down or busy, a timeout); nothing was written. */
  unavailable: 4,
  /** A write may or may not have been applied: read the key to find out. */
  outcomeUnknown: 5,
} as const;

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof TypeError) return EXIT.usage;
  if (!(err instanceof PaxosError)) return EXIT.usage;
  if (err.mayHaveRun) return EXIT.outcomeUnknown;
  if (err.status >= 400 && err.status < 500) return EXIT.refused;
  return EXIT.unavailable;
}
