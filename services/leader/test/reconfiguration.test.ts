import { acceptorRole, type AcceptorState } from '@paxos/acceptor';
import { leaderProcessRole, type LeaderConfig, type LeaderProcessState } from '@paxos/leader';
import {
  replicaRole,
  replicaStateDigest,
  type ReplicaConfig,
  type ReplicaState,
} from '@paxos/replica';
import {
  clientDestination,
  defaultCluster,
  epochOf,
  type Command,
  type Members,
  type ProcessId,
} from '@paxos/shared';
import { MiniCluster, type NodeHandle } from './support/mini-cluster';
import { registerSessions } from './support/sessions';

/**
 * Reconfiguration end to end through the pure roles (PMMC section 4): members are replaced one
 * at a time while commands keep flowing, every slot runs in the configuration that governs it,
 * a new replica catches up by state transfer, and nothing is decided twice.
 */
const initial = defaultCluster(3, 2, 2);
const WINDOW = 4;

const leaderConfig = (id: ProcessId): LeaderConfig => ({
  id,
  cluster: initial,
  retransmitMs: 100,
  heartbeatMs: 50,
  leaderTimeoutMs: 200,
  backoffMaxMs: 400,
});

const replicaConfig = (id: ProcessId, joinFrom?: ProcessId[]): ReplicaConfig => ({
  id,
  cluster: initial,
  windowSlots: WINDOW,
  batchMaxCommands: 2,
  retryMs: 150,
  snapshotEverySlots: 8,
  gcReportEverySlots: 4,
  ...(joinFrom ? { joinFrom } : {}),
});

class Fleet {
  readonly net = new MiniCluster(5);
  readonly acceptors = new Map<ProcessId, NodeHandle<AcceptorState>>();
  readonly leaders = new Map<ProcessId, NodeHandle<LeaderProcessState>>();
  readonly replicas = new Map<ProcessId, NodeHandle<ReplicaState>>();
  members: Members = { ...initial };
  private sessions: number[] = [];
  private nextRequest = 1;
  private nextAdmin = 1_000_000;
  readonly sent = new Set<string>();

  constructor() {
    for (const id of initial.acceptors) this.addAcceptor(id);
    for (const id of initial.leaders) this.addLeader(id);
    for (const id of initial.replicas) this.addReplica(id);
    this.sessions = registerSessions(this.net, 'replica-0', 3);
  }

  addAcceptor(id: ProcessId): void {
    this.acceptors.set(id, this.net.add(id, acceptorRole, { id }));
  }
  addLeader(id: ProcessId): void {
    this.leaders.set(id, this.net.add(id, leaderProcessRole, leaderConfig(id)));
  }
  addReplica(id: ProcessId, joinFrom?: ProcessId[]): void {
    this.replicas.set(id, this.net.add(id, replicaRole, replicaConfig(id, joinFrom)));
  }

  /** Some client commands through the current replicas, run for `ms`. */
  write(count: number, ms: number): void {
    for (let i = 0; i < count; i += 1) {
      const requestId = this.nextRequest++;
      const sessionId = this.sessions[requestId % this.sessions.length]!;
      const c: Command = {
        sessionId,
        requestId,
        op: { kind: 'put', key: `k${requestId % 7}`, value: `v${requestId}` },
      };
      this.sent.add(`${sessionId}:${requestId}`);
      const to = this.members.replicas[requestId % this.members.replicas.length]!;
      this.net.inject({
        to,
        message: { type: 'request', from: clientDestination(sessionId), commands: [c] },
      });
    }
    this.net.runUntil(this.net.now + ms);
  }

  /** Submits a reconfiguration and runs until its answer; returns where it takes effect. */
  reconfigure(next: Members): { epoch: number; startSlot: number } {
    const requestId = this.nextAdmin++;
    const seen = this.net.outside.length;
    const via = this.members.replicas.find((r) => next.replicas.includes(r))!;
    this.net.inject({
      to: via,
      message: {
        type: 'request',
        from: clientDestination(0),
        commands: [{ sessionId: 0, requestId, op: { kind: 'reconfigure', ...next } }],
      },
    });
    for (let i = 0; i < 200; i += 1) {
      this.net.runUntil(this.net.now + 10);
      for (const { message } of this.net.outside.slice(seen)) {
        if (message.type !== 'response' || message.requestId !== requestId) continue;
        if (!message.result.config) throw new Error(`refused: ${JSON.stringify(message.result)}`);
        this.members = next;
        return message.result.config;
      }
    }
    throw new Error('reconfiguration not answered');
  }

  answered(): Set<string> {
    return new Set(
      this.net.outside.flatMap(({ message: m }) =>
        m.type === 'response' && m.sessionId !== 0 && !m.result.refused
          ? [`${m.sessionId}:${m.requestId}`]
          : [],
      ),
    );
  }

  replica(id: ProcessId): ReplicaState {
    return this.replicas.get(id)!.state();
  }
}

const swap = (list: string[], out: string, into: string) =>
  list.map((id) => (id === out ? into : id));

describe('reconfiguration through the log', () => {
  it('replaces every acceptor, a leader and a replica one at a time under writes', () => {
    const fleet = new Fleet();
    fleet.write(10, 500);

    // Each acceptor in turn: after the third the initial majority is entirely gone.
    const replaced: Array<[string, string]> = [
      ['acceptor-0', 'acceptor-3'],
      ['acceptor-1', 'acceptor-4'],
      ['acceptor-2', 'acceptor-5'],
    ];
    let lastStart = 0;
    for (const [out, into] of replaced) {
      fleet.addAcceptor(into);
      const next = { ...fleet.members, acceptors: swap(fleet.members.acceptors, out, into) };
      const { epoch, startSlot } = fleet.reconfigure(next);
      expect(startSlot).toBeGreaterThan(lastStart);
      lastStart = startSlot;
      // The idle log is pushed past the start with no-ops; writes go on meanwhile.
      fleet.write(6, 1_500);
      for (const replica of fleet.members.replicas) {
        expect(fleet.replica(replica).configs[0]!.config.epoch).toBe(epoch);
      }
      // The leaving acceptor took no part in any slot from the start on.
      const leaving = fleet.acceptors.get(out)!.state();
      expect([...leaving.accepted.keys()].every((slot) => slot < startSlot)).toBe(true);
      // The arriving one accepts in the new epoch only.
      const arriving = fleet.acceptors.get(into)!.state();
      expect([...arriving.accepted.values()].every((p) => epochOf(p.ballot) === epoch)).toBe(true);
    }

    // A leader: leader-2 replaces leader-1; then the old active leader goes too.
    fleet.addLeader('leader-2');
    fleet.reconfigure({
      ...fleet.members,
      leaders: swap(fleet.members.leaders, 'leader-1', 'leader-2'),
    });
    fleet.write(6, 1_500);
    fleet.addLeader('leader-3');
    const { epoch: leaderEpoch } = fleet.reconfigure({
      ...fleet.members,
      leaders: swap(fleet.members.leaders, 'leader-0', 'leader-3'),
    });
    fleet.write(6, 2_000);
    const active = ['leader-2', 'leader-3'].filter(
      (id) => fleet.leaders.get(id)!.state().leaders.get(leaderEpoch)?.active,
    );
    expect(active).toHaveLength(1);

    // A replica: replica-2 joins in place of replica-1 and catches up from a snapshot.
    fleet.addReplica('replica-2', ['replica-0', 'replica-1']);
    fleet.reconfigure({
      ...fleet.members,
      replicas: swap(fleet.members.replicas, 'replica-1', 'replica-2'),
    });
    fleet.write(10, 3_000);
    const joined = fleet.replica('replica-2');
    expect(joined.counters.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(joined.slotOut).toBe(fleet.replica('replica-0').slotOut);
    expect(replicaStateDigest(joined)).toBe(replicaStateDigest(fleet.replica('replica-0')));

    // Everything sent was answered once.
    const answered = fleet.answered();
    for (const key of fleet.sent) expect(answered.has(key)).toBe(true);
    // The removed replica left: it proposes nothing and knows it is outside.
    expect(
      fleet.replica('replica-1').configs.some((e) => e.config.replicas.includes('replica-1')),
    ).toBe(false);
  });

  it('brings a new replica up to its first slot in an idle log', () => {
    const fleet = new Fleet();
    fleet.write(6, 500);
    // replica-2 starts as the change is decided: its first snapshot ends below its first slot,
    // then nothing more is written, and the configuration before retires.
    fleet.addReplica('replica-2', ['replica-0', 'replica-1']);
    fleet.reconfigure({ ...fleet.members, replicas: [...fleet.members.replicas, 'replica-2'] });
    fleet.net.runUntil(fleet.net.now + 20_000);
    const joined = fleet.replica('replica-2');
    const reference = fleet.replica('replica-0');
    expect(joined.configs[0]!.config.replicas).toContain('replica-2');
    expect(joined.slotOut).toBe(reference.slotOut);
    expect(replicaStateDigest(joined)).toBe(replicaStateDigest(reference));
  });

  it('refuses a reconfiguration that brings back a member that left', () => {
    const fleet = new Fleet();
    fleet.addAcceptor('acceptor-3');
    fleet.reconfigure({
      ...fleet.members,
      acceptors: swap(initial.acceptors, 'acceptor-0', 'acceptor-3'),
    });
    fleet.write(4, 1_000);
    expect(() =>
      fleet.reconfigure({
        ...fleet.members,
        acceptors: swap(fleet.members.acceptors, 'acceptor-3', 'acceptor-0'),
      }),
    ).toThrow(/reconfiguration-invalid/);
  });
});

describe('garbage collection with a dead replica', () => {
  it('collects past a replica that is down for good, which a replacement then replaces', () => {
    // Three replicas; replica-2 never runs (its machine is gone with its disk).
    const three = defaultCluster(3, 2, 3);
    const net = new MiniCluster(5);
    const acceptors = three.acceptors.map((id) => net.add(id, acceptorRole, { id }));
    const leaders = three.leaders.map((id) =>
      net.add(id, leaderProcessRole, { ...leaderConfig(id), cluster: three }),
    );
    const replicaOf = (id: ProcessId, joinFrom?: ProcessId[]) =>
      net.add(id, replicaRole, { ...replicaConfig(id, joinFrom), cluster: three });
    const replicas = new Map([
      ['replica-0', replicaOf('replica-0')],
      ['replica-1', replicaOf('replica-1')],
    ]);
    const sessions = registerSessions(net, 'replica-0', 2);
    let acceptedPeak = 0;
    let leaderPeak = 0;
    for (let i = 1; i <= 200; i += 1) {
      const sessionId = sessions[i % 2]!;
      net.inject({
        to: `replica-${i % 2}`,
        message: {
          type: 'request',
          from: clientDestination(sessionId),
          commands: [
            { sessionId, requestId: i, op: { kind: 'put', key: `k${i % 9}`, value: `v${i}` } },
          ],
        },
      });
      net.runUntil(net.now + 15);
      for (const a of acceptors) acceptedPeak = Math.max(acceptedPeak, a.state().accepted.size);
      for (const l of leaders) {
        for (const leader of l.state().leaders.values()) {
          leaderPeak = Math.max(leaderPeak, leader.decided.size, leader.proposals.size);
        }
      }
    }
    net.runUntil(net.now + 1_000);
    const slotOut = replicas.get('replica-0')!.state().slotOut;
    expect(slotOut).toBeGreaterThan(100);
    // Bounded by the report interval and the window, not by the 100+ slots written.
    expect(acceptedPeak).toBeLessThanOrEqual(4 * 4);
    expect(leaderPeak).toBeLessThanOrEqual(4 * 4);
    for (const a of acceptors) expect(a.state().collectedBelow).toBeGreaterThan(slotOut - 8);

    // The replacement: a new id, joining from the live replicas by state transfer.
    replicas.set('replica-3', replicaOf('replica-3', ['replica-0', 'replica-1']));
    const requestId = 9_999_999;
    net.inject({
      to: 'replica-0',
      message: {
        type: 'request',
        from: clientDestination(0),
        commands: [
          {
            sessionId: 0,
            requestId,
            op: {
              kind: 'reconfigure',
              ...three,
              replicas: ['replica-0', 'replica-1', 'replica-3'],
            },
          },
        ],
      },
    });
    net.runUntil(net.now + 3_000);
    const joined = replicas.get('replica-3')!.state();
    const reference = replicas.get('replica-0')!.state();
    expect(joined.counters.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(joined.slotOut).toBe(reference.slotOut);
    expect(replicaStateDigest(joined)).toBe(replicaStateDigest(reference));
  });
});

describe('a leader process and a replica below every configuration it serves', () => {
  it('tells the replica it is behind once the configurations before are retired', () => {
    const config = leaderConfig('leader-0');
    const entry = {
      startSlot: 50,
      config: {
        epoch: 2,
        ...initial,
        acceptors: ['acceptor-5', 'acceptor-6', 'acceptor-7'],
        window: 4,
      },
    };
    const durable = new Map([
      ['serves:2', { slot: null, value: entry }],
      ['retiredBelow', { slot: null, value: 2 }],
    ]);
    const { state } = leaderProcessRole.recover(config, durable, 0);
    expect([...state.leaders.keys()]).toEqual([2]);
    const progress = (slotOut: number) =>
      leaderProcessRole
        .step(state, { type: 'progress', from: 'replica-9', slotOut, wantsDecisions: true }, 10)
        .send.filter((e) => e.message.type === 'behind');
    expect(progress(40)).toEqual([
      { to: 'replica-9', message: { type: 'behind', from: 'leader-0', collectedBelow: 50 } },
    ]);
    expect(progress(50)).toEqual([]);
  });
});
