import { acceptorRole, type AcceptorState } from '@paxos/acceptor';
import { leaderRole, type LeaderState } from '@paxos/leader';
import {
  LIMITS,
  batchEquals,
  bodyBytesOfJsonText,
  defaultCluster,
  jsonBytes,
  type Batch,
  type Envelope,
  type P1b,
} from '@paxos/shared';
import { MiniCluster, type NodeHandle } from './support/mini-cluster';

/**
 * Issue 17, point 3: with the garbage-collection horizon stuck (a replica down), the acceptors
 * hold many large pvalues, and a failover's phase-1 reply once outgrew the data API's body
 * limit, so no leader could be elected. Here leader-0 gets SLOTS batches near their size limit
 * accepted, nothing is collected, then leader-0 falls silent: leader-1 must be adopted through
 * paged replies, each page within the message bound, and propose every accepted value again.
 * The replicas are outside the mini cluster (nothing reports progress, so nothing is collected).
 */
const cluster = defaultCluster(3, 2, 2);
const SLOTS = 24;
const LEADER_0_DIES_AT = 1_000;

/** A batch whose JSON is just under LIMITS.batchJsonBytesMax. */
function largeBatch(slot: number): Batch {
  const command = (requestId: number, value: string) => ({
    sessionId: 1,
    requestId,
    op: { kind: 'put' as const, key: `k${slot}`, value },
  });
  const batchId = `replica-0:${slot}`;
  const overhead = jsonBytes({ batchId, commands: [command(1, ''), command(2, '')] });
  const value = 'v'.repeat(Math.floor((LIMITS.batchJsonBytesMax - overhead) / 2));
  return { batchId, commands: [command(2 * slot, value), command(2 * slot + 1, value)] };
}

function buildCluster(dropOnce: (envelope: Envelope) => boolean) {
  const p1bPages: P1b[] = [];
  const net = new MiniCluster(5, (envelope, sentAt) => {
    const { message } = envelope;
    if (message.type === 'p1b') p1bPages.push(message);
    // leader-0 dies: nothing it sends or is sent gets through any more.
    if (sentAt >= LEADER_0_DIES_AT && (envelope.to === 'leader-0' || message.from === 'leader-0')) {
      return true;
    }
    return dropOnce(envelope);
  });
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
  return { net, acceptors, leaders, p1bPages };
}

describe('a leader fails over with many large accepted pvalues', () => {
  // [name, pages lost the first time they are sent, how many are lost]
  const cases: Array<[string, (p: P1b) => boolean, number]> = [
    ['every page delivered', () => false, 0],
    [
      "a middle page of every acceptor's reply lost once (retransmission fills the gap)",
      (p) => p.ballot.leaderId === 'leader-1' && p.coversFrom === 10,
      3,
    ],
  ];
  it.each(cases)('%s', (_name, loseOnce, lostCount) => {
    const lost = new Set<string>();
    const { net, acceptors, leaders, p1bPages } = buildCluster((envelope) => {
      const { message } = envelope;
      if (message.type !== 'p1b' || !loseOnce(message)) return false;
      const key = `${message.from}:${message.coversFrom}`;
      if (lost.has(key)) return false;
      lost.add(key);
      return true;
    });
    const [leader0, leader1] = leaders as [NodeHandle<LeaderState>, NodeHandle<LeaderState>];
    net.runUntil(100);
    expect(leader0.state().active).toBe(true);
    const batches = new Map<number, Batch>();
    for (let slot = 1; slot <= SLOTS; slot += 1) {
      const value = largeBatch(slot);
      batches.set(slot, value);
      // Only leader-0 hears the proposals: leader-1 can learn the values from phase 1 alone.
      net.inject({ to: 'leader-0', message: { type: 'propose', from: 'replica-0', slot, value } });
    }
    net.runUntil(LEADER_0_DIES_AT - 1);
    expect(leader0.state().decided.size).toBe(SLOTS);
    for (const acceptor of acceptors) {
      expect(acceptor.state().accepted.size).toBe(SLOTS);
      expect(acceptor.state().collectedBelow).toBe(1);
    }
    // A whole reply would be several times the data API's body limit.
    const wholeReplyBytes = jsonBytes([...acceptors[0]!.state().accepted.values()]);
    expect(wholeReplyBytes).toBeGreaterThan(3 * LIMITS.dataApiBodyBytesMax);

    net.runUntil(LEADER_0_DIES_AT + 2_000);
    if (process.env.TRACE) console.log(net.trace.join('\n'));
    const state = leader1.state();
    expect(state.active).toBe(true);
    expect(state.ballot.leaderId).toBe('leader-1');
    expect(state.proposals.size).toBe(SLOTS);
    // pmax from the pages: every slot proposed again with the value accepted there, and decided.
    for (const [slot, batch] of batches) {
      expect(batchEquals(state.decided.get(slot)!, batch)).toBe(true);
    }
    // Every page of leader-1's phase 1 fits a message, and so a step commit's body.
    const pages = p1bPages.filter((p) => p.ballot.leaderId === 'leader-1');
    expect(pages.length).toBeGreaterThanOrEqual(3 * SLOTS);
    for (const page of pages) {
      expect(jsonBytes(page)).toBeLessThanOrEqual(LIMITS.messageJsonBytesMax);
      expect(bodyBytesOfJsonText(JSON.stringify(page))).toBeLessThan(LIMITS.commitBodyBytesMax);
    }
    // A lost page held its acceptor back until the retransmitted p1a's reply filled the gap.
    expect(lost.size).toBe(lostCount);
    const resent = pages.filter((p) => p.coversFrom === 10).length;
    expect(resent).toBe(lostCount === 0 ? 3 : 6);
  });
});
