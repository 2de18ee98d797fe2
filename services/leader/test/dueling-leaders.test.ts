import { acceptorRole, type AcceptorState } from '@paxos/acceptor';
import { leaderRole, type LeaderState } from '@paxos/leader';
import { replicaRole, type ReplicaState } from '@paxos/replica';
import {
  batchEquals,
  clientDestination,
  defaultCluster,
  type Batch,
  type Command,
  type DurableEntry,
} from '@paxos/shared';
import { MiniCluster, type NodeHandle } from './support/mini-cluster';
import { registerSessions } from './support/sessions';

const cluster = defaultCluster(3, 2, 1);
const timings = { retransmitMs: 100, heartbeatMs: 20, backoffMaxMs: 800 };

function buildCluster(heartbeatsLostUntil: number, leaderTimeoutMs: number) {
  // Losing every heartbeat for a while makes each leader think the other is dead: they duel.
  const net = new MiniCluster(
    50,
    (envelope, sentAt) => envelope.message.type === 'heartbeat' && sentAt < heartbeatsLostUntil,
  );
  const acceptors: Array<NodeHandle<AcceptorState>> = cluster.acceptors.map((id) =>
    net.add(id, acceptorRole, { id }),
  );
  const replica: NodeHandle<ReplicaState> = net.add('replica-0', replicaRole, {
    id: 'replica-0',
    cluster,
    windowSlots: 4,
    batchMaxCommands: 2,
    retryMs: 150,
    snapshotEverySlots: 1000,
  });
  const leaders: Array<NodeHandle<LeaderState>> = cluster.leaders.map((id) =>
    net.add(id, leaderRole, { id, cluster, leaderTimeoutMs, ...timings }),
  );
  return { net, acceptors, replica, leaders };
}

const command = (sessionId: number, i: number): Command => ({
  sessionId,
  requestId: 1 + i,
  op: { kind: 'put', key: `k${i % 3}`, value: `v${i}` },
});

/** Every slot any leader decided, checked for agreement (R1) across leaders and the replica. */
/** A replica keeps applied decisions only in its durable state (`decision:<slot>`). */
function durableDecisions(durable: ReadonlyMap<string, DurableEntry>): Map<number, Batch> {
  const decided = new Map<number, Batch>();
  for (const [key, entry] of durable) {
    if (key.startsWith('decision:') && entry.slot !== null)
      decided.set(entry.slot, entry.value as Batch);
  }
  return decided;
}

function agreedDecisions(leaders: LeaderState[], replica: Map<number, Batch>): Map<number, Batch> {
  const agreed = new Map<number, Batch>();
  const sources = [...leaders.map((l) => l.decided), replica];
  for (const decided of sources) {
    for (const [slot, value] of decided) {
      const known = agreed.get(slot);
      if (known && !batchEquals(known, value)) throw new Error(`slot ${slot} decided twice`);
      agreed.set(slot, value);
    }
  }
  return agreed;
}

describe('dueling leaders', () => {
  it('converge: after a few preemptions exactly one leader is active and decisions are made', () => {
    const { net, replica, leaders } = buildCluster(700, 60);
    // The client's session is registered through the log, while the leaders duel.
    const [sessionId] = registerSessions(net, 'replica-0', 1) as [number];
    for (let i = 0; i < 12; i += 1) {
      net.inject({
        to: 'replica-0',
        message: {
          type: 'request',
          from: clientDestination(sessionId),
          commands: [command(sessionId, i)],
        },
      });
      net.runUntil(net.now + 40);
    }
    net.runUntil(2000);
    if (process.env.TRACE) console.log(net.trace.join('\n'));

    const states = leaders.map((l) => l.state());
    const preemptions = states.reduce((sum, s) => sum + s.counters.preemptions, 0);
    expect(preemptions).toBeGreaterThanOrEqual(2);
    expect(states.filter((s) => s.active)).toHaveLength(1);

    const answered = new Set(
      net.outside.flatMap(({ message: m }) =>
        m.type === 'response' && m.sessionId === sessionId && !m.result.refused
          ? [m.requestId]
          : [],
      ),
    );
    expect(answered.size).toBe(12);
    expect(replica.state().requests.size).toBe(0);
    const decided = agreedDecisions(states, durableDecisions(net.durableOf('replica-0')));
    expect(Math.min(...decided.keys())).toBe(1);

    // Once converged it stays converged: no more preemptions while heartbeats flow.
    net.runUntil(4000);
    const later = leaders.map((l) => l.state());
    expect(later.reduce((sum, s) => sum + s.counters.preemptions, 0)).toBe(preemptions);
    expect(later.filter((s) => s.active)).toHaveLength(1);
  });

  it('without a duel leader-0 wins at once and leader-1 never scouts', () => {
    const { net, leaders } = buildCluster(0, 200);
    net.runUntil(1000);
    const [first, second] = leaders.map((l) => l.state());
    expect(first).toMatchObject({ active: true, counters: { preemptions: 0 } });
    expect(second).toMatchObject({ active: false, counters: { scoutsStarted: 0 } });
  });
});
