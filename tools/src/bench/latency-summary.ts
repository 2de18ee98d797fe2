import { percentile } from '../workload/stats';

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank p50 and p99 and the maximum of a list of latencies (zeros when empty). */
export function summarize(latencies: number[]): LatencySummary {
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length === 0 ? 0 : latencies.reduce((m, x) => (x > m ? x : m), 0),
  };
}
