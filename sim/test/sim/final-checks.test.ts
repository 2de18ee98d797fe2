import { replicaRole, type ReplicaState } from '@paxos/replica';
import type { KeyOp, OpResult } from '@paxos/shared';
import { ClusterCheckers } from '../../src/checkers/cluster-checkers';
import type { ClientOperation } from '../../src/clients/client-operation';
import { SIM_REPLICA_TIMINGS, type ReplicaProcess } from '../../src/cluster/sim-cluster';
import { SimProcess } from '../../src/cluster/sim-process';
import { replicaView } from '../../src/observe/role-views';
import { runFinalChecks, type FinalCheckClient } from '../../src/run/final-checks';
import { chooseInLedger, violationOf } from './support/fixtures';

const cluster = {
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0'],
  replicas: ['replica-0', 'replica-1'],
};

function replicas(): ReplicaProcess[] {
  return cluster.replicas.map((id) => {
    const config = { id, cluster, ...SIM_REPLICA_TIMINGS };
    const p: ReplicaProcess = new SimProcess('replica', id, replicaRole, config);
    p.state = replicaRole.recover(config, new Map(), 0).state;
    return p;
  });
}

type Seen = Pick<ClientOperation, 'input' | 'call' | 'outcome' | 'output' | 'return'>;

/** A client that saw `operations` (in session 16384, numbered from 1) and issued no more. */
function clientWith(operations: Seen[], id = 'client-0', waiting = false): FinalCheckClient {
  const history: ClientOperation[] = operations.map((op, i) => ({
    clientId: id,
    sessionId: 16384,
    requestId: i + 1,
    attempts: 1,
    refusal: null,
    ...op,
  }));
  const open = history.some((op) => op.outcome === null);
  return {
    id,
    history,
    finished: !open && !waiting,
    waiting: open || waiting,
    registering: waiting,
  };
}

const ran = (input: KeyOp, call: number, output: OpResult, ret: number): Seen => ({
  input,
  call,
  outcome: 'ok',
  output,
  return: ret,
});

function check(
  clients: FinalCheckClient[],
  replicaProcesses = replicas(),
  before: (checkers: ClusterCheckers) => void = () => undefined,
  unfinished: string | null = null,
): string | null {
  const checkers = new ClusterCheckers({
    acceptors: cluster.acceptors,
    leaders: cluster.leaders,
    replicas: cluster.replicas,
    windowSlots: SIM_REPLICA_TIMINGS.windowSlots,
    replicaFullCheckEverySteps: 10,
  });
  before(checkers);
  return violationOf(() =>
    runFinalChecks({ replicas: replicaProcesses, clients, checkers, unfinished }),
  );
}

const put = (value: string) => ({ kind: 'put' as const, key: 'k', value });
const get = { kind: 'get' as const, key: 'k' };

describe('final checks', () => {
  it('pass a linearizable, fully answered history on converged replicas', () => {
    const client = clientWith([
      ran(put('a'), 0, { ok: true, value: null }, 5),
      ran(get, 6, { ok: true, value: 'a' }, 9),
    ]);
    expect(check([client])).toBeNull();
  });

  it('linearizability: catch a read of a value that was never written', () => {
    const client = clientWith([
      ran(put('a'), 0, { ok: true, value: null }, 5),
      ran(get, 6, { ok: true, value: 'ghost' }, 9),
    ]);
    expect(check([client])).toBe('linearizability');
  });

  it('linearizability: an operation refused or beaten to its number never ran; one with a 410 may have', () => {
    const refusedThenRead = (outcome: ClientOperation['outcome']): FinalCheckClient =>
      clientWith([
        { input: put('a'), call: 0, outcome, output: null, return: 5 },
        ran(get, 6, { ok: true, value: 'a' }, 9),
      ]);
    expect(check([refusedThenRead('unknown')])).toBeNull();
    for (const outcome of ['invalid', 'too-large', 'conflict', 'quota'] as const) {
      expect(check([refusedThenRead(outcome)])).toBe('linearizability');
    }
  });

  it('liveness: catch a command never answered', () => {
    const client = clientWith([
      { input: put('a'), call: 0, outcome: null, output: null, return: null },
    ]);
    expect(check([client])).toBe('liveness');
  });

  it('liveness: a 410 or a 409 is an answer; a registration never answered is not', () => {
    const answered = clientWith([
      { input: put('a'), call: 0, outcome: 'unknown', output: null, return: 3 },
      { input: put('b'), call: 4, outcome: 'conflict', output: null, return: 6 },
    ]);
    expect(check([answered])).toBeNull();
    expect(check([clientWith([], 'client-1', true)])).toBe('liveness');
  });

  it('liveness: a reconfiguration plan that never finished is caught', () => {
    const plan = 'mixed: step 4/5 (remove an original replica): epoch 4 from slot 35 not settled';
    expect(check([clientWith([])], replicas(), () => undefined, plan)).toBe('liveness');
  });

  it('convergence: catch a replica that stayed behind', () => {
    const processes = replicas();
    const ahead = processes[1]?.state as ReplicaState;
    // replica-1 legally applied a decided no-op at slot 1; replica-0 never heard of it.
    ahead.decisions.set(1, { batchId: 'replica-1:1:0', commands: [] });
    ahead.slotOut = 2;
    const verdict = check([clientWith([])], processes, (checkers) => {
      chooseInLedger(checkers.acceptances, ahead.decisions);
      checkers.afterReplicaStep('replica-1', replicaView(ahead), []);
    });
    expect(verdict).toBe('convergence');
  });
});
