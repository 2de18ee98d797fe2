import type { CheckResult } from '@paxos/sim/src/linearizability';
import type { Fleet } from '../fleet/fleet';
import { waitForConvergence } from '../fleet/observe';
import type { RecordedOperation } from '../workload/kv-client';
import type { LostWrite } from '../workload/lost-writes';
import { replicasLine, verifyRun } from '../workload/verify-run';

/**
 * After the load and the faults: every service back, the replicas converged, every key read
 * back through the log (verifyRun), and no acknowledged write to a client's own key lost. A full
 * linearizability check of a 30-minute history may not finish in its budget: only a violation
 * it finds fails the soak; running out of budget is reported as 'unknown'.
 */
export interface FinalCheck {
  converged: boolean;
  replicas: string;
  lost: LostWrite[];
  /** Keys whose final read got no answer. */
  unread: string[];
  linearizability: CheckResult;
}

export async function finalCheck(o: {
  fleet: Fleet;
  replicaUrls: string[];
  history: RecordedOperation[];
  keys: string[];
  ownedKey: (key: string) => boolean;
  linearizabilityBudgetMs: number;
}): Promise<FinalCheck> {
  await o.fleet.waitReady(
    o.fleet.services.map((s) => s.name),
    90_000,
  );
  const { converged, views } = await waitForConvergence(o.fleet, 90_000);
  const verdict = await verifyRun(o);
  return {
    converged,
    replicas: replicasLine(views),
    lost: verdict.lost,
    unread: verdict.unread,
    linearizability: verdict.linearizability,
  };
}
