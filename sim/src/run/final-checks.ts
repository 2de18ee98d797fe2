import { replicaStateDigest } from '@paxos/replica';
import type { ClusterCheckers } from '../checkers/cluster-checkers';
import { violated } from '../checkers/violation';
import type { SimClient } from '../clients/sim-client';
import type { ReplicaProcess } from '../cluster/sim-cluster';
import { checkLinearizable, type HistoryOperation } from '../linearizability';
import { replicaView } from '../observe/role-views';

export interface FinalCheckInput {
  replicas: readonly ReplicaProcess[];
  clients: readonly SimClient[];
  checkers: ClusterCheckers;
}

/** Per run; a history of a few dozen operations on a few keys takes milliseconds. */
const LINEARIZABILITY_BUDGET_MS = 10_000;

/**
 * After healing and settling: the history is linearizable (checked first, on whatever was
 * answered, since it is the most telling failure), every command got its answer (liveness),
 * and the replicas converged: same slotOut, same state digest, each equal to its replay.
 */
export function runFinalChecks(input: FinalCheckInput): { linearizabilityUnknown: boolean } {
  const history: HistoryOperation[] = input.clients.flatMap((client) =>
    client.history.map((op) => ({
      clientId: op.clientId,
      input: op.input,
      call: op.call,
      output: op.output,
      return: op.return,
    })),
  );
  const verdict = checkLinearizable(history, { timeoutMs: LINEARIZABILITY_BUDGET_MS });
  if (verdict.linearizable === false) {
    violated(
      'linearizability',
      `key ${verdict.failingKey ?? '?'}: ${(verdict.explanation ?? '').replace(/\s*\n\s*/g, ' | ')}`,
    );
  }

  const unanswered = input.clients.flatMap((client) =>
    client.history.filter((op) => op.output === null).map((op) => `${op.clientId}/${op.requestId}`),
  );
  const unissued = input.clients.filter(
    (client) => !client.finished && client.pendingRequestId === null,
  );
  if (unanswered.length > 0 || unissued.length > 0) {
    violated(
      'liveness',
      `not answered by the deadline: ${unanswered.slice(0, 6).join(', ')}` +
        `${unanswered.length > 6 ? ` and ${unanswered.length - 6} more` : ''}`,
    );
  }

  const digests = new Set<string>();
  const slotOuts = new Set<number>();
  for (const replica of input.replicas) {
    if (replica.state === null) violated('convergence', `${replica.id} is down after healing`);
    const checker = input.checkers.replicaCheckers.get(replica.id);
    checker?.fullCheck(replicaView(replica.state));
    digests.add(replicaStateDigest(replica.state));
    slotOuts.add(replica.state.slotOut);
  }
  if (slotOuts.size > 1 || digests.size > 1) {
    const each = input.replicas.map((r) => `${r.id} slotOut ${r.state?.slotOut ?? '?'}`).join(', ');
    violated('convergence', `replicas did not converge: ${each}; ${digests.size} distinct digests`);
  }
  return { linearizabilityUnknown: verdict.linearizable === 'unknown' };
}
