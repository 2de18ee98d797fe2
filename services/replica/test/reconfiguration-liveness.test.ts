import { sentOf } from '@paxos/shared';
import { ReplicaHarness, batch, decision, replicaConfig } from './support/harness';

/**
 * Three ways a replica could stall around a reconfiguration, each found by the simulator
 * (`npm run sim -- --seed 76 --reconfigure --replicas 1`, `--seed 3839 --reconfigure --leaders 1`).
 */
const reconfigure = (requestId: number) => ({
  sessionId: 0 as const,
  requestId,
  op: {
    kind: 'reconfigure' as const,
    acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-3'],
    leaders: ['leader-0', 'leader-1'],
    replicas: ['replica-0', 'replica-1'],
  },
});

describe('a replica around a reconfiguration', () => {
  it('pushes a pending configuration into force after a restart', () => {
    const replica = new ReplicaHarness(replicaConfig({ retryMs: 100 }));
    replica.step(decision(1, batch('replica-1:0:0', reconfigure(7))));
    expect(replica.state.configs).toHaveLength(2);
    // A crash loses the no-ops that pushed the log to the new configuration's start.
    const restarted = replica.restart();
    expect(restarted.state.proposals.size).toBe(0);
    expect(restarted.state.retryDueAt).not.toBeNull();
    restarted.tick(restarted.state.retryDueAt!);
    const noops = sentOf(restarted.last, 'propose').filter(
      (p) => p.message.value.commands.length === 0,
    );
    expect(noops.length).toBeGreaterThan(0);
  });

  it('asks a leader it does not know yet for what it misses', () => {
    const replica = new ReplicaHarness();
    // leader-7 leads a configuration this replica has not applied the slot of yet.
    replica.step(decision(5, batch('replica-1:0:9'), 'leader-7'));
    const asked = sentOf(replica.last, 'progress').map((p) => p.to);
    expect(asked).toContain('leader-7');
  });

  it('stops asking for a snapshot once decisions brought it up', () => {
    const replica = new ReplicaHarness();
    replica.step({ type: 'behind', from: 'leader-0', collectedBelow: 2 });
    expect(replica.state.transfer.wanted).toBe(true);
    replica.step(decision(1, batch('replica-1:0:1')));
    expect(replica.state.slotOut).toBe(2);
    expect(replica.state.transfer.wanted).toBe(false);
  });

  it('asks no other replica while a snapshot keeps arriving', () => {
    const replica = new ReplicaHarness(replicaConfig({ retryMs: 100 }));
    replica.step({ type: 'behind', from: 'leader-0', collectedBelow: 20 });
    expect(sentOf(replica.last, 'snapshot-request')).toHaveLength(1);
    replica.now = 50;
    const configs = replica.state.configs;
    replica.step({
      type: 'snapshot-chunk',
      from: 'replica-1',
      slotOut: 30,
      parts: 2,
      head: { configs, formerMembers: [] },
    });
    replica.tick(120);
    expect(sentOf(replica.last, 'snapshot-request')).toHaveLength(0);
    // Silence for a whole retry interval: the next replica is asked.
    replica.tick(replica.state.retryDueAt!);
    expect(sentOf(replica.last, 'snapshot-request')).toHaveLength(1);
  });
});
