import { acceptorRole } from '@paxos/acceptor';
import { defaultCluster, type Message, type Role, type StepResult } from '@paxos/shared';
import pino from 'pino';
import { MemoryQueue } from '../src/memory-queue-port';
import { ServiceMetrics } from '../src/metrics';
import type { QueuePort, StepCommit } from '../src/queue-port';
import { RoleHost, chunkByBytes, coalesceRequests } from '../src/role-host';

const cluster = defaultCluster(3, 2, 2);
const ballot = { round: 3, leaderId: 'leader-0' };
const p1a: Message = { type: 'p1a', from: 'leader-0', ballot };

function host<S, C>(
  role: Role<S, C>,
  config: C,
  queue: QueuePort,
  extra: Partial<ConstructorParameters<typeof RoleHost<S, C>>[0]> = {},
) {
  const fatal: Error[] = [];
  const h = new RoleHost<S, C>({
    processId: 'acceptor-0',
    cluster,
    role,
    config,
    queue,
    logger: pino({ level: 'silent' }),
    metrics: new ServiceMetrics('acceptor-0', 'acceptor'),
    leaseMs: 10_000,
    claimBatch: 16,
    maxAttempts: 3,
    onFatal: (e) => fatal.push(e),
    ...extra,
  });
  return { h, fatal };
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A role without state or timers whose every step is `step`'s result: the host under test. */
function statelessRole(step: (m: Message) => Omit<StepResult<null>, 'state'>): Role<null, null> {
  return {
    recover: () => ({ state: null, persist: [], send: [] }),
    step: (state, m) => ({ state, ...step(m) }),
    tick: (state) => ({ state, persist: [], send: [] }),
    nextDeadline: () => null,
  };
}

describe('RoleHost over the in-memory queue', () => {
  it('consumes a message, persists the promise and sends the reply in one commit', async () => {
    const q = new MemoryQueue();
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50));
    await h.start();
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => q.depth('leader-0') === 1);
    await h.stop();
    expect(q.depth('acceptor-0')).toBe(0);
    expect(q.durable.get('acceptor-0')?.get('ballot')?.value).toEqual(ballot);
    const reply = [...q.messages.values()].find((m) => m.dst === 'leader-0')!;
    expect(JSON.parse(reply.payload)).toMatchObject({ type: 'p1b', ballot });
  });

  it.each([
    ['not JSON', '{nope', 'not valid JSON'],
    ['not a message', JSON.stringify({ type: 'p9z', from: 'x' }), 'not a valid message'],
  ])(
    'dead-letters a payload that is %s, with the reason, and carries on',
    async (_n, payload, reason) => {
      const q = new MemoryQueue();
      const { h, fatal } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50));
      await h.start();
      q.push('acceptor-0', payload);
      q.push('acceptor-0', JSON.stringify(p1a));
      await until(() => q.depth('leader-0') === 1);
      await h.stop();
      expect(q.deadLetters).toHaveLength(1);
      expect(q.deadLetters[0]!.reason).toContain(reason);
      expect(fatal).toEqual([]);
    },
  );

  it('a newer incarnation fences the old one: its next commit changes nothing and is fatal', async () => {
    const q = new MemoryQueue();
    const port = q.port(50);
    const { h, fatal } = host(acceptorRole, { id: 'acceptor-0' }, port);
    await h.start();
    await port.claimEpoch('acceptor-0');
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => fatal.length === 1);
    await h.stop();
    expect(fatal[0]!.message).toContain('fenced');
    expect(q.depth('leader-0')).toBe(0);
    expect(q.durable.get('acceptor-0')?.has('ballot') ?? false).toBe(false);
  });

  it('splits a large commit: durable writes in the first statement, acks in the last', async () => {
    const q = new MemoryQueue();
    const commits: StepCommit[] = [];
    const port = q.port(50);
    const recording: QueuePort = {
      ...port,
      stepCommit: async (c) => {
        commits.push(c);
        return port.stepCommit(c);
      },
    };
    // A role that answers one message with three big messages and one durable write.
    const big = statelessRole((m) => ({
      persist: [{ op: 'put', key: 'seen', slot: null, value: m.type }],
      send: [0, 1, 2].map(() => ({ to: 'leader-0', message: { ...p1a, from: 'x'.repeat(100) } })),
    }));
    const { h } = host(big, null, recording, { maxCommitBytes: 200 });
    await h.start();
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => q.depth('acceptor-0') === 0);
    await h.stop();
    const stepCommits = commits.filter((c) => c.sends.length > 0);
    expect(stepCommits).toHaveLength(3);
    expect(stepCommits.map((c) => c.puts.length)).toEqual([1, 0, 0]);
    expect(stepCommits.map((c) => c.acks.length)).toEqual([0, 0, 1]);
    expect(q.depth('leader-0')).toBe(3);
  });
});

describe('persistLater writes', () => {
  it('are committed after their step, in order, without holding up the next step', async () => {
    const q = new MemoryQueue();
    const port = q.port(50);
    const events: string[] = [];
    let releaseLater: () => void = () => undefined;
    const laterGate = new Promise<void>((r) => (releaseLater = r));
    const gated: QueuePort = {
      ...port,
      stepCommit: async (c) => {
        const later = c.puts.some((p) => p.key === 'snapshot');
        if (later) await laterGate;
        events.push(later ? `later ${JSON.stringify(c.puts[0]!.value)}` : 'step');
        return port.stepCommit(c);
      },
    };
    // Every message: a durable write of its own, and a "snapshot" written behind the step.
    let n = 0;
    const snapshotting = statelessRole(() => {
      n += 1;
      return {
        persist: [{ op: 'put', key: `seen-${n}`, slot: null, value: n }],
        persistLater: [{ op: 'put', key: 'snapshot', slot: null, value: n }],
        send: [],
      };
    });
    const { h, fatal } = host(snapshotting, null, gated);
    await h.start();
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => events.includes('step'));
    // The first snapshot is held up; the next message is stepped and committed all the same.
    q.push('acceptor-0', JSON.stringify({ ...p1a, ballot: { round: 4, leaderId: 'leader-0' } }));
    try {
      await until(() => events.filter((e) => e === 'step').length === 2);
      expect(events.filter((e) => e.startsWith('later'))).toEqual([]);
    } finally {
      releaseLater();
    }
    await h.stop();
    expect(events.filter((e) => e.startsWith('later'))).toEqual(['later 1', 'later 2']);
    expect(q.durable.get('acceptor-0')?.get('snapshot')?.value).toBe(2);
    expect(fatal).toEqual([]);
  });
});

describe('readiness', () => {
  it('stays ready through a long idle stretch, and follows data-API failures', async () => {
    const q = new MemoryQueue();
    const port = q.port(50);
    let failClaims = false;
    const idlePort: QueuePort = {
      ...port,
      // Like a long poll through the waiter: nothing comes back while the queue is empty.
      claim: (args) =>
        failClaims
          ? Promise.reject(new Error('data API unreachable'))
          : new Promise((resolve) => args.signal?.addEventListener('abort', () => resolve([]))),
    };
    let clock = 0;
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, idlePort, { now: () => clock });
    await h.start();
    clock += 10 * 60_000;
    expect(h.isReady).toBe(true);
    await h.stop();

    failClaims = true;
    const second = host(acceptorRole, { id: 'acceptor-0' }, idlePort);
    await second.h.start();
    await until(() => !second.h.isReady);
    await second.h.stop();
  });
});

describe('acks with nothing else to commit', () => {
  it('wait for the next commit (or ackDelayMs), then go out together', async () => {
    const q = new MemoryQueue();
    const silent: Role<null, null> = {
      recover: () => ({ state: null, persist: [], send: [] }),
      step: (state) => ({ state, persist: [], send: [] }),
      tick: (state) => ({ state, persist: [], send: [] }),
      nextDeadline: () => null,
    };
    const { h } = host(silent, null, q.port(50), { ackDelayMs: 150 });
    await h.start();
    const before = q.commits;
    q.push('acceptor-0', JSON.stringify(p1a));
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => h.stats.messagesHandled === 2);
    expect(q.depth('acceptor-0')).toBe(2);
    await until(() => q.depth('acceptor-0') === 0);
    await h.stop();
    expect(q.commits - before).toBe(1);
  });
});

describe('pure helpers of the host', () => {
  it('chunkByBytes keeps order and never returns an empty list', () => {
    const items = ['aaa', 'bb', 'cccc', 'd'].map((payload) => ({ payload }));
    expect(chunkByBytes(items, 5).map((c) => c.map((i) => i.payload))).toEqual([
      ['aaa', 'bb'],
      ['cccc', 'd'],
    ]);
    expect(chunkByBytes([], 5)).toEqual([[]]);
  });

  it('coalesceRequests turns requests that arrived together into one batch', () => {
    const cmd = (id: string) => ({
      clientId: 'c',
      requestId: id,
      op: { kind: 'get' as const, key: 'k' },
    });
    const merged = coalesceRequests([
      { type: 'request', from: 'c', commands: [cmd('1')] },
      { type: 'request', from: 'c', commands: [cmd('2')] },
      p1a,
    ]);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toMatchObject({ type: 'request', commands: [cmd('1'), cmd('2')] });
  });
});
