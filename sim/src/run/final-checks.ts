import { replicaStateDigest } from '@paxos/replica';
import { describeConfiguration } from '@paxos/shared';
import type { ClusterCheckers } from '../checkers/cluster-checkers';
import { violated } from '../checkers/violation';
import { describeOperation, historyOperationOf } from '../clients/client-operation';
import type { SimClient } from '../clients/sim-client';
import type { ReplicaProcess } from '../cluster/sim-cluster';
import { checkLinearizable, type HistoryOperation } from '../linearizability';
import { replicaView } from '../observe/role-views';

/** What the final checks read of a client. */
export type FinalCheckClient = Pick<
  SimClient,
  'id' | 'history' | 'finished' | 'waiting' | 'registering'
>;

export interface FinalCheckInput {
  /** The replicas of the newest configuration (members stopped for good are not checked). */
  replicas: readonly ReplicaProcess[];
  clients: readonly FinalCheckClient[];
  checkers: ClusterCheckers;
  /** Where an unfinished reconfiguration plan stands (null: none, or finished). */
  unfinished?: string | null;
}

/** Per run; a history of a few dozen operations on a few keys takes milliseconds. */
const LINEARIZABILITY_BUDGET_MS = 10_000;
/** A value may be 64 KiB: an explanation quoting several is cut to this. */
const EXPLANATION_CHARS_MAX = 4_000;

/**
 * After healing and settling: the history is linearizable (checked first, on whatever was
 * answered, since it is the most telling failure), every command got its answer (liveness),
 * and the replicas converged: same slotOut, same state digest and configuration schedule,
 * each equal to its replay.
 */
export function runFinalChecks(input: FinalCheckInput): { linearizabilityUnknown: boolean } {
  const history: HistoryOperation[] = input.clients.flatMap((client) =>
    client.history.flatMap((op) => historyOperationOf(op) ?? []),
  );
  const verdict = checkLinearizable(history, { timeoutMs: LINEARIZABILITY_BUDGET_MS });
  if (verdict.linearizable === false) {
    violated(
      'linearizability',
      `key ${verdict.failingKey ?? '?'}: ${(verdict.explanation ?? '')
        .replace(/\s*\n\s*/g, ' | ')
        .slice(0, EXPLANATION_CHARS_MAX)}`,
    );
  }

  // An outcome of any kind counts: a 410 or a 409 is the cluster answering, too.
  const unanswered = input.clients.flatMap((client) =>
    client.history.filter((op) => op.outcome === null).map(describeOperation),
  );
  const registering = input.clients
    .filter((client) => client.registering)
    .map((client) => `${client.id} (registering)`);
  const stuck = input.clients
    .filter((client) => !client.finished && !client.waiting)
    .map((client) => `${client.id} (stopped issuing)`);
  const plan = input.unfinished ? [`reconfiguration ${input.unfinished}`] : [];
  const missing = [...plan, ...unanswered, ...registering, ...stuck];
  if (missing.length > 0) {
    violated(
      'liveness',
      `not answered by the deadline: ${missing.slice(0, 6).join(', ')}` +
        `${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`,
    );
  }

  const digests = new Set<string>();
  const slotOuts = new Set<number>();
  for (const replica of input.replicas) {
    if (replica.state === null) violated('convergence', `${replica.id} is down after healing`);
    const checker = input.checkers.replicaCheckers.get(replica.id);
    checker?.fullCheck(replicaView(replica.state));
    // The schedule field by field: one parsed from a snapshot lists its keys in another order.
    const schedule = replica.state.configs.map(
      (e) => `${e.startSlot} ${describeConfiguration(e.config)}`,
    );
    digests.add(`${replicaStateDigest(replica.state)} ${schedule.join('; ')}`);
    slotOuts.add(replica.state.slotOut);
  }
  if (slotOuts.size > 1 || digests.size > 1) {
    const each = input.replicas.map((r) => `${r.id} slotOut ${r.state?.slotOut ?? '?'}`).join(', ');
    violated('convergence', `replicas did not converge: ${each}; ${digests.size} distinct digests`);
  }
  return { linearizabilityUnknown: verdict.linearizable === 'unknown' };
}
