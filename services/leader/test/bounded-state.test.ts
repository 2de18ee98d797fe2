import { acceptorRole, type AcceptorState } from '@paxos/acceptor';
import { leaderRole, type LeaderState } from '@paxos/leader';
import { replicaRole, type ReplicaState } from '@paxos/replica';
import { clientDestination, defaultCluster, type Command } from '@paxos/shared';
import { MiniCluster, type NodeHandle } from './support/mini-cluster';
import { registerSessions } from './support/sessions';

/**
 * Pitfall 6, end to end: a long run through all three roles leaves every role's state, and
 * every p1b, bounded by the report interval and the window, not by the length of the log.
 */
const cluster = defaultCluster(3, 2, 2);
const COMMANDS = 300;
const GC_REPORT_EVERY_SLOTS = 8;
const WINDOW_SLOTS = 4;

const command = (sessions: number[], i: number): Command => ({
  sessionId: sessions[i % sessions.length]!,
  requestId: 1 + i,
  op: { kind: 'put', key: `k${i % 5}`, value: `v${i}` },
});

function buildCluster() {
  const net = new MiniCluster(5);
  const acceptors: Array<NodeHandle<AcceptorState>> = cluster.acceptors.map((id) =>
    net.add(id, acceptorRole, { id }),
  );
  const leaders: Array<NodeHandle<LeaderState>> = cluster.leaders.map((id) =>
    net.add(id, leaderRole, {
      id,
      cluster,
      retransmitMs: 100,
      heartbeatMs: 50,
      leaderTimeoutMs: 200,
      backoffMaxMs: 400,
    }),
  );
  const replicas: Array<NodeHandle<ReplicaState>> = cluster.replicas.map((id) =>
    net.add(id, replicaRole, {
      id,
      cluster,
      windowSlots: WINDOW_SLOTS,
      batchMaxCommands: 1,
      retryMs: 150,
      snapshotEverySlots: 16,
      gcReportEverySlots: GC_REPORT_EVERY_SLOTS,
    }),
  );
  return { net, acceptors, leaders, replicas };
}

describe('garbage collection keeps a long run bounded', () => {
  it(`after ${COMMANDS} slots every role holds only the last few`, () => {
    const { net, acceptors, leaders, replicas } = buildCluster();
    const sessions = registerSessions(net, 'replica-0', 4);
    for (let i = 0; i < COMMANDS; i += 1) {
      const c = command(sessions, i);
      net.inject({
        to: cluster.replicas[i % 2]!,
        message: { type: 'request', from: clientDestination(c.sessionId), commands: [c] },
      });
    }
    // Sampled along the way: the peak is what bounds a failover's p1b and a leader's memory.
    let acceptedPeak = 0;
    let leaderPeak = 0;
    for (let at = 20; at <= 60_000; at += 20) {
      net.runUntil(at);
      for (const a of acceptors) acceptedPeak = Math.max(acceptedPeak, a.state().accepted.size);
      for (const l of leaders) {
        const { decided, proposals } = l.state();
        leaderPeak = Math.max(leaderPeak, decided.size, proposals.size);
      }
    }
    // The tail since the last report plus what the window lets replicas propose ahead.
    expect(acceptedPeak).toBeLessThanOrEqual(GC_REPORT_EVERY_SLOTS + WINDOW_SLOTS);
    expect(leaderPeak).toBeLessThanOrEqual(GC_REPORT_EVERY_SLOTS + WINDOW_SLOTS);

    const slotOuts = replicas.map((r) => r.state().slotOut);
    expect(Math.min(...slotOuts)).toBeGreaterThan(COMMANDS);
    const answered = new Set(
      net.outside.flatMap(({ message: m }) =>
        m.type === 'response' && m.sessionId !== 0 && !m.result.refused
          ? [`${m.sessionId}:${m.requestId}`]
          : [],
      ),
    );
    expect(answered.size).toBe(COMMANDS);
    const horizon = Math.min(...slotOuts);
    // Once the replicas fell quiet their retry tick reported the tail below the threshold, so
    // everything every replica applied is collected, by every acceptor and leader.
    for (const acceptor of acceptors) {
      expect(acceptor.state().collectedBelow).toBe(horizon);
      expect(acceptor.state().accepted.size).toBe(0);
    }
    for (const leader of leaders) {
      const state = leader.state();
      expect(state.collectedBelow).toBe(horizon);
      expect(state.decided.size + state.proposals.size + state.commanders.size).toBe(0);
    }
    for (const replica of replicas) expect(replica.state().decisions.size).toBeLessThan(16);

    // A failover now: the new leader's phase 1 carries nothing of the 300 slots.
    const p1bSizes: number[] = [];
    for (const acceptor of acceptors) {
      const reply = acceptorRole.step(
        acceptor.state(),
        { type: 'p1a', from: 'leader-1', ballot: { round: 99, leaderId: 'leader-1' } },
        net.now,
      );
      const p1b = reply.send[0]?.message;
      if (p1b?.type === 'p1b') p1bSizes.push(p1b.accepted.length);
    }
    expect(p1bSizes).toEqual([0, 0, 0]);
  });
});
