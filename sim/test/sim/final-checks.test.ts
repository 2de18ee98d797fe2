import { replicaRole, type ReplicaState } from '@paxos/replica';
import { ClusterCheckers } from '../../src/checkers/cluster-checkers';
import { SimClient, type ClientOperation } from '../../src/clients/sim-client';
import { SIM_REPLICA_TIMINGS, type ReplicaProcess } from '../../src/cluster/sim-cluster';
import { SimProcess } from '../../src/cluster/sim-process';
import { replicaView } from '../../src/observe/role-views';
import { Prng } from '../../src/random/prng';
import { runFinalChecks } from '../../src/run/final-checks';
import { chooseInLedger, violationOf } from './support/fixtures';

const cluster = {
  acceptors: ['acceptor-0'],
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

function clientWith(
  operations: Array<Omit<ClientOperation, 'clientId' | 'attempts'>>,
  id = 'client-0',
): SimClient {
  const client = new SimClient(id, 0, new Prng(1), cluster.replicas, operations.length, 1, {
    retryTimeoutMs: 10,
    thinkTimeMaxMs: 1,
  });
  // Issue every operation so the client counts them as its own, then overwrite what it saw.
  operations.forEach((op, i) => {
    client.issue(op.call);
    const recorded = client.history[i] as ClientOperation;
    Object.assign(recorded, op, { clientId: id });
    if (op.output !== null)
      client.onResponse(op.return ?? 0, {
        type: 'response',
        from: 'replica-0',
        clientId: id,
        requestId: recorded.requestId,
        slot: 1,
        result: op.output,
      });
  });
  return client;
}

function check(
  clients: SimClient[],
  replicaProcesses = replicas(),
  before: (checkers: ClusterCheckers) => void = () => undefined,
): string | null {
  const checkers = new ClusterCheckers({
    acceptors: cluster.acceptors,
    replicas: cluster.replicas,
    windowSlots: SIM_REPLICA_TIMINGS.windowSlots,
    replicaFullCheckEverySteps: 10,
  });
  before(checkers);
  return violationOf(() => runFinalChecks({ replicas: replicaProcesses, clients, checkers }));
}

const put = (value: string) => ({ kind: 'put' as const, key: 'k', value });
const get = { kind: 'get' as const, key: 'k' };

describe('final checks', () => {
  it('pass a linearizable, fully answered history on converged replicas', () => {
    const client = clientWith([
      { requestId: 'r0', input: put('a'), call: 0, output: { ok: true, value: null }, return: 5 },
      { requestId: 'r1', input: get, call: 6, output: { ok: true, value: 'a' }, return: 9 },
    ]);
    expect(check([client])).toBeNull();
  });

  it('linearizability: catch a read of a value that was never written', () => {
    const client = clientWith([
      { requestId: 'r0', input: put('a'), call: 0, output: { ok: true, value: null }, return: 5 },
      { requestId: 'r1', input: get, call: 6, output: { ok: true, value: 'ghost' }, return: 9 },
    ]);
    expect(check([client])).toBe('linearizability');
  });

  it('liveness: catch a command never answered', () => {
    const client = clientWith([
      { requestId: 'r0', input: put('a'), call: 0, output: null, return: null },
    ]);
    expect(check([client])).toBe('liveness');
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
