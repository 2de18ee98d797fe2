import type { Envelope } from '@paxos/shared';
import { AtMostOnceChecker } from '../../../src/checkers/at-most-once-checker';
import { DecisionLedger } from '../../../src/checkers/decision-ledger';
import { FirstOccurrences } from '../../../src/checkers/first-occurrences';
import { ReplicaChecker } from '../../../src/checkers/replica-checker';
import type { ReplicaView } from '../../../src/observe/views';

/**
 * One replica's checkers wired as ClusterCheckers wires them: the view's decisions go into
 * the ledger, the step's answers into the at-most-once checker, then the replica checker runs.
 */
export function replicaHarness(windowSlots = 4, ledger = new DecisionLedger()) {
  const firsts = new FirstOccurrences(ledger);
  const atMostOnce = new AtMostOnceChecker(ledger, firsts);
  const checker = new ReplicaChecker(
    'replica-0',
    windowSlots,
    { ledger, firsts, atMostOnce },
    1_000,
  );
  const step = (view: ReplicaView, sends: readonly Envelope[] = []): void => {
    for (const [slot, batch] of view.decisions) ledger.record(slot, batch, 'replica-0');
    atMostOnce.onReplicaSends('replica-0', sends);
    checker.afterStep(view, sends);
  };
  return { ledger, firsts, atMostOnce, checker, step };
}
