/**
 * How long to wait before retry number `retry` (1 for the first retry): exponential growth
 * capped at `delayMsMax`, with "equal jitter" (half fixed, half random). The fixed half keeps
 * a retry from firing at once against a service that just failed; the random half keeps a
 * fleet of processes that failed together from retrying in lockstep.
 */
export interface BackoffOptions {
  delayMsBase: number;
  delayMsMax: number;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number;
}

export function retryDelayMs(retry: number, options: BackoffOptions): number {
  const ceilingMs = Math.min(options.delayMsMax, options.delayMsBase * 2 ** (retry - 1));
  const halfMs = ceilingMs / 2;
  return Math.round(halfMs + options.random() * halfMs);
}
