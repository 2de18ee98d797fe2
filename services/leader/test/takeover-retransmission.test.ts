import { acceptorRole } from '@paxos/acceptor';
import { leaderRole, type LeaderConfig, type LeaderState } from '@paxos/leader';
import {
  LIMITS,
  batchEquals,
  bodyBytesOfJsonText,
  defaultCluster,
  type Batch,
  type Role,
  type StepResult,
} from '@paxos/shared';
import { MiniCluster, type NodeHandle } from './support/mini-cluster';

/**
 * Issue 17's fleet test found a leader that took over about 66 undecided slots of ~60 KB
 * batches and decided nothing for 50 s: each retransmission round re-sent every p2a (~12 MB),
 * more than its shell could commit before the next round was due. Here leader-1 takes over
 * SLOTS such slots that every acceptor accepted from leader-0 (whose p2bs were all lost), and
 * its own p2bs are lost until LOSSY_UNTIL, so its commanders go through many rounds. Every
 * tick must stay within the p2a byte budget, the rounds must back off, and once the losses
 * stop every slot must be decided within one capped retransmission wait.
 */
const cluster = defaultCluster(3, 2, 2);
const SLOTS = 60;
const VALUE_CHARS = 60_000;
const LATENCY_MS = 5;
const LEADER_0_DIES_AT = 500;
const LOSSY_UNTIL = 1_500;
const BUDGET_BYTES = LIMITS.commitBodyBytesMax;
const timings = {
  retransmitMs: 20,
  heartbeatMs: 50,
  leaderTimeoutMs: 200,
  backoffMaxMs: 400,
  retransmitTickBytesMax: BUDGET_BYTES,
};
const RETRANSMIT_MS_MAX = 8 * timings.retransmitMs;

function largeBatch(slot: number): Batch {
  const op = { kind: 'put' as const, key: `k${slot}`, value: 'v'.repeat(VALUE_CHARS) };
  return { batchId: `replica-0:${slot}`, commands: [{ sessionId: 1, requestId: slot, op }] };
}

interface TickRecord {
  at: number;
  p2aBodyBytes: number;
}

/** leaderRole, recording what each tick sends as p2a in step-commit body bytes. */
function recordingLeader(ticks: TickRecord[]): Role<LeaderState, LeaderConfig> {
  return {
    ...leaderRole,
    tick(state, now): StepResult<LeaderState> {
      const result = leaderRole.tick(state, now);
      let p2aBodyBytes = 0;
      for (const { message } of result.send) {
        if (message.type === 'p2a') p2aBodyBytes += bodyBytesOfJsonText(JSON.stringify(message));
      }
      ticks.push({ at: now, p2aBodyBytes });
      return result;
    },
  };
}

function buildCluster(spareAfterMs: number) {
  const net = new MiniCluster(LATENCY_MS, ({ to, message }, sentAt) => {
    // leader-0's commanders never hear back: the slots stay accepted but undecided.
    if (to === 'leader-0' && message.type === 'p2b') return true;
    if (sentAt >= LEADER_0_DIES_AT && (to === 'leader-0' || message.from === 'leader-0')) {
      return true;
    }
    return to === 'leader-1' && message.type === 'p2b' && sentAt < LOSSY_UNTIL;
  });
  for (const id of cluster.acceptors) net.add(id, acceptorRole, { id });
  const ticks: TickRecord[] = [];
  const config = (id: string): LeaderConfig => ({ id, cluster, ...timings, spareAfterMs });
  const leader0 = net.add('leader-0', leaderRole, config('leader-0'));
  const leader1 = net.add('leader-1', recordingLeader(ticks), config('leader-1'));
  return { net, leader0, leader1, ticks };
}

describe('a leader takes over many large undecided slots', () => {
  it.each([
    ['p2a to every acceptor', 0],
    ['thrifty phase 2', 10],
  ])('%s: ticks stay within the budget and every slot is decided', (_name, spareAfterMs) => {
    const { net, leader0, leader1, ticks } = buildCluster(spareAfterMs);
    net.runUntil(100);
    expect(leader0.state().active).toBe(true);
    const batches = new Map<number, Batch>();
    for (let slot = 1; slot <= SLOTS; slot += 1) {
      batches.set(slot, largeBatch(slot));
      // Replicas propose to every leader.
      for (const to of cluster.leaders) {
        net.inject({
          to,
          message: { type: 'propose', from: 'replica-0', slot, value: batches.get(slot)! },
        });
      }
    }
    net.runUntil(LEADER_0_DIES_AT - 1);
    expect(leader0.state().decided.size).toBe(0);

    net.runUntil(LOSSY_UNTIL - 1);
    const leader = leader1 as NodeHandle<LeaderState>;
    const adoptedBy = LOSSY_UNTIL - 10 * timings.retransmitMs;
    const active = leader.state();
    expect(active.active).toBe(true);
    expect(active.ballot.leaderId).toBe('leader-1');
    expect(active.commanders.size).toBe(SLOTS);
    expect(active.decided.size).toBe(0);
    // Adopted early enough that its commanders went through many rounds before the losses end.
    const firstP2aTick = ticks.find((t) => t.p2aBodyBytes > 0);
    expect(firstP2aTick!.at).toBeLessThan(adoptedBy);

    // One round of every commander is ten times the budget; no tick went over it.
    const p2aBytes = bodyBytesOfJsonText(
      JSON.stringify({ type: 'p2a', from: 'leader-1', pvalue: [...active.commanders.values()][0] }),
    );
    expect(SLOTS * cluster.acceptors.length * p2aBytes).toBeGreaterThan(10 * BUDGET_BYTES);
    expect(Math.max(...ticks.map((t) => t.p2aBodyBytes))).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(active.counters.retransmitsDeferred).toBeGreaterThan(0);
    // Backing off: at most 8 rounds per commander in the lossy stretch, where a round every
    // retransmitMs would have been more than 30.
    const lossyMs = LOSSY_UNTIL - firstP2aTick!.at;
    expect(lossyMs / timings.retransmitMs).toBeGreaterThan(30);
    expect(active.counters.retransmits).toBeLessThanOrEqual(8 * SLOTS * cluster.acceptors.length);

    // The losses stop: each commander's next round comes within the cap, and is answered.
    net.runUntil(LOSSY_UNTIL + RETRANSMIT_MS_MAX + 4 * LATENCY_MS);
    if (process.env.TRACE) console.log(net.trace.join('\n'));
    const state = leader.state();
    expect(state.decided.size).toBe(SLOTS);
    for (const [slot, batch] of batches) {
      expect(batchEquals(state.decided.get(slot)!, batch)).toBe(true);
    }
    expect(state.commanders.size).toBe(0);
    expect(Math.max(...ticks.map((t) => t.p2aBodyBytes))).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
