import { HostileTally } from '../workload/hostile-client';
import { unexpectedStatuses } from '../workload/hostile-cases';
import { sumStatuses } from '../workload/run-clients';

/**
 * Prints the hostile summary (with each failure) and returns how many failures there were:
 * an answer the contract does not allow, a case never answered as expected, or an attempt of
 * any client (hostile or not) answered with a status outside the contract (a 500, a 502 ...).
 */
export function hostileVerdict(
  runs: Array<{ tally: HostileTally; statuses: ReadonlyMap<number, number> }>,
  loadStatuses: ReadonlyMap<number, number>,
): number {
  const tally = new HostileTally();
  for (const r of runs) tally.merge(r.tally);
  const failures = [
    ...tally.failures,
    ...(runs.length > 0 ? tally.unshown().map((c) => `${c}: never answered as expected`) : []),
    ...unexpectedStatuses(sumStatuses([loadStatuses, ...runs.map((r) => r.statuses)])),
  ];
  const shown = failures.slice(0, 20);
  for (const f of shown) console.log(`  hostile failure: ${f}`);
  if (failures.length > shown.length)
    console.log(`  ... and ${failures.length - shown.length} more`);
  console.log(`${tally.summary()}; failures: ${failures.length}`);
  return failures.length;
}
