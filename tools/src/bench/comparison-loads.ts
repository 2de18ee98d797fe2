/**
 * The loads the fleet and etcd both get (issue 19), in the order they run: one client, puts
 * offered open-loop at 100/s and 1,000/s, 64 and 512 closed-loop clients, and linearizable
 * reads offered at 1,000/s with puts beside them. Latency is counted from each command's send
 * (closed loops) or from when it was due (open loops).
 */
export type ComparisonLoadName =
  'one-client' | 'offered-100' | 'offered-1000' | 'clients-64' | 'clients-512' | 'reads-1000';

export type ComparisonLoad = {
  name: ComparisonLoadName;
  /** One line for the tables. */
  title: string;
  /** Fraction of gets, 0..1; the rest are puts. */
  readRatio: number;
} & ({ loop: 'closed'; clients: number } | { loop: 'open'; perSecond: number });

/** Reads offered by the mixed row, and the puts offered with them. */
export const MIXED_READS_PER_SECOND = 1_000;
export const MIXED_PUTS_PER_SECOND = 100;

export const COMPARISON_LOADS: readonly ComparisonLoad[] = [
  { name: 'one-client', title: '1 client, puts', loop: 'closed', clients: 1, readRatio: 0 },
  { name: 'offered-100', title: '100 puts/s offered', loop: 'open', perSecond: 100, readRatio: 0 },
  {
    name: 'offered-1000',
    title: '1,000 puts/s offered',
    loop: 'open',
    perSecond: 1_000,
    readRatio: 0,
  },
  { name: 'clients-64', title: '64 clients, puts', loop: 'closed', clients: 64, readRatio: 0 },
  { name: 'clients-512', title: '512 clients, puts', loop: 'closed', clients: 512, readRatio: 0 },
  {
    name: 'reads-1000',
    title: `${MIXED_READS_PER_SECOND.toLocaleString('en-US')} reads/s + ${MIXED_PUTS_PER_SECOND} puts/s offered`,
    loop: 'open',
    perSecond: MIXED_READS_PER_SECOND + MIXED_PUTS_PER_SECOND,
    readRatio: MIXED_READS_PER_SECOND / (MIXED_READS_PER_SECOND + MIXED_PUTS_PER_SECOND),
  },
];

export function comparisonLoadNamed(name: ComparisonLoadName): ComparisonLoad {
  return COMPARISON_LOADS.find((l) => l.name === name)!;
}
