import {
  ReplicaHarness,
  batch,
  command,
  decision,
  put,
  replicaConfig,
  request,
  sentOf,
} from './support/harness';

describe('replica response cache is bounded (pitfall 6)', () => {
  it('keeps the last responsesPerClient answers of a client and still answers a retry of them', () => {
    const r = new ReplicaHarness(replicaConfig({ responsesPerClient: 2 }));
    for (let i = 1; i <= 4; i++)
      r.step(decision(i, batch(`b${i}`, command(`r${i}`, put('k', `v${i}`)))));
    expect(r.state.responses.size).toBe(2);
    const retry = r.step(request(command('r4', put('k', 'v4'))));
    expect(sentOf(retry, 'response').map((e) => e.message.requestId)).toEqual(['r4']);
  });

  it('caps the whole cache at responseCacheMax, oldest first, across clients', () => {
    const r = new ReplicaHarness(replicaConfig({ responsesPerClient: 8, responseCacheMax: 3 }));
    const commands = ['a', 'b', 'c', 'd', 'e'].map((c, i) =>
      command(`r${i}`, put(c, 'x'), `client-${c}`),
    );
    r.step(decision(1, batch('b1', ...commands)));
    expect([...r.state.responses.values()].map((x) => x.clientId)).toEqual([
      'client-c',
      'client-d',
      'client-e',
    ]);
  });

  it('is the same after recovery from a snapshot (every replica evicts alike)', () => {
    const config = replicaConfig({ responsesPerClient: 2, snapshotEverySlots: 2 });
    const r = new ReplicaHarness(config);
    for (let i = 1; i <= 5; i++)
      r.step(decision(i, batch(`b${i}`, command(`r${i}`, put('k', `v${i}`)))));
    const restarted = r.restart();
    expect([...restarted.state.responses.keys()]).toEqual([...r.state.responses.keys()]);
  });
});
