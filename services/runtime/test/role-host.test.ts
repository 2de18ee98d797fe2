import { acceptorRole } from '@paxos/acceptor';
import {
  DataApiUnavailableError,
  PROTOCOL_STATE_KEY,
  type Message,
  type Role,
  type StepResult,
} from '@paxos/shared';
import pino from 'pino';
import { ShellFatalError } from '../src/failures';
import { MemoryQueue } from '../src/memory-queue-port';
import { ServiceMetrics } from '../src/metrics';
import type { QueuePort, StepCommit } from '../src/queue-port';
import { RoleHost, type RoleHostOptions } from '../src/role-host';
import { corruptRole, p1a as p1aPayload } from './support/shell-harness';

const ballot = { round: 3, leaderId: 'leader-0' };
const p1a: Message = { type: 'p1a', from: 'leader-0', ballot };

function host<S, C>(
  role: Role<S, C>,
  config: C,
  queue: QueuePort,
  extra: Partial<RoleHostOptions<S, C>> = {},
) {
  const fatal: Error[] = [];
  const metrics = new ServiceMetrics('acceptor-0', 'acceptor');
  const h = new RoleHost<S, C>({
    processId: 'acceptor-0',
    role,
    config,
    queue,
    logger: pino({ level: 'silent' }),
    metrics,
    leaseMs: 10_000,
    claimBatch: 16,
    maxAttempts: 3,
    epochLeaseMs: 1_000,
    retention: { everyMs: 0, unknownAfterMs: 60_000, deadLetterAfterMs: 60_000 },
    onFatal: (e) => fatal.push(e),
    ...extra,
  });
  return { h, fatal, metrics };
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A role without state or timers whose every step is `step`'s result. */
function statelessRole(step: (m: Message) => Omit<StepResult<null>, 'state'>): Role<null, null> {
  return {
    recover: () => ({ state: null, persist: [], send: [] }),
    step: (state, m) => ({ state, ...step(m) }),
    tick: (state) => ({ state, persist: [], send: [] }),
    nextDeadline: () => null,
  };
}

function recording(port: QueuePort): { port: QueuePort; commits: StepCommit[] } {
  const commits: StepCommit[] = [];
  return {
    commits,
    port: {
      ...port,
      stepCommit: async (c) => {
        commits.push(c);
        return port.stepCommit(c);
      },
    },
  };
}

async function metricValue(metrics: ServiceMetrics, name: string, labels: object = {}) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val),
  );
  return sample?.value;
}

describe('RoleHost over the in-memory queue', () => {
  it('consumes a message, persists the promise and sends the reply in one commit', async () => {
    const q = new MemoryQueue();
    const { port, commits } = recording(q.port(50));
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, port);
    await h.start();
    expect(h.isReady).toBe(true);
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => q.depth('leader-0') === 1);
    await h.stop();
    expect(q.depth('acceptor-0')).toBe(0);
    expect(q.durable.get('acceptor-0')?.get('ballot')?.value).toEqual(ballot);
    const reply = [...q.messages.values()].find((m) => m.dst === 'leader-0')!;
    expect(JSON.parse(reply.payload)).toMatchObject({ type: 'p1b', ballot });
    expect(commits.map((c) => c.writeSeq)).toEqual(commits.map((_, i) => i + 1));
  });

  it.each([
    ['not JSON', '{nope', 'invalid-json'],
    ['not a message', JSON.stringify({ type: 'p9z', from: 'x' }), 'invalid-message'],
  ])(
    'dead-letters a payload that is %s, counts it by reason, and carries on',
    async (_n, payload, reason) => {
      const q = new MemoryQueue();
      const { h, fatal, metrics } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50));
      await h.start();
      q.push('acceptor-0', payload);
      q.push('acceptor-0', JSON.stringify(p1a));
      await until(() => q.depth('leader-0') === 1);
      await h.stop();
      expect(q.deadLetters).toHaveLength(1);
      expect(q.deadLetters[0]!.reason).toMatch(new RegExp(`^${reason}: `));
      expect(await metricValue(metrics, 'paxos_dead_letters_total', { reason })).toBe(1);
      expect(fatal).toEqual([]);
    },
  );

  it('a message that makes the role throw is dead-lettered; the process and its batch mates go on', async () => {
    const q = new MemoryQueue();
    const seen: number[] = [];
    const picky = statelessRole((m) => {
      const round = m.type === 'p1a' ? m.ballot.round : 0;
      if (round === 13) throw new Error('unlucky');
      seen.push(round);
      return { persist: [{ op: 'put', key: `r${round}`, slot: null, value: round }], send: [] };
    });
    const { h, fatal, metrics } = host(picky, null, q.port(50));
    await h.start();
    for (const round of [1, 13, 2]) q.push('acceptor-0', p1aPayload(round));
    await until(() => q.depth('acceptor-0') === 0);
    await h.stop();
    expect(fatal).toEqual([]);
    expect(q.deadLetters.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^step-threw: .*unlucky/),
    ]);
    expect([...q.durable.get('acceptor-0')!.keys()].sort()).toEqual(['protocol', 'r1', 'r2']);
    expect(await metricValue(metrics, 'paxos_dead_letters_total', { reason: 'step-threw' })).toBe(
      1,
    );
  });

  it('a commit the data API refuses as content (400) dead-letters only its message', async () => {
    const q = new MemoryQueue();
    const base = q.port(50);
    const refusing: QueuePort = {
      ...base,
      stepCommit: async (c) => {
        if (c.puts.some((p) => p.value === 'nul\u0000')) {
          throw Object.assign(new Error('refused'), { status: 400 });
        }
        return base.stepCommit(c);
      },
    };
    const writer = statelessRole((m) => {
      const round = m.type === 'p1a' ? m.ballot.round : 0;
      return {
        persist: [
          { op: 'put', key: `r${round}`, slot: null, value: round === 5 ? 'nul\u0000' : round },
        ],
        send: [],
      };
    });
    const { h, fatal } = host(writer, null, refusing);
    await h.start();
    for (const round of [4, 5, 6]) q.push('acceptor-0', p1aPayload(round));
    await until(() => q.depth('acceptor-0') === 0);
    await h.stop();
    expect(fatal).toEqual([]);
    expect(q.deadLetters.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^commit-refused: /),
    ]);
    expect([...q.durable.get('acceptor-0')!.keys()].sort()).toEqual(['protocol', 'r4', 'r6']);
  });

  it('a newer incarnation fences the old one: its next commit changes nothing and is fatal', async () => {
    const q = new MemoryQueue();
    const { h, fatal } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50));
    await h.start();
    q.epochs.get('acceptor-0')!.epoch += 1; // a newer incarnation, as after a lapsed lease
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => fatal.length === 1);
    await h.stop();
    expect(fatal[0]!.message).toContain('fenced');
    expect(q.depth('leader-0')).toBe(0);
    expect(q.durable.get('acceptor-0')?.has('ballot') ?? false).toBe(false);
  });

  it('splits a large commit by body size: durable writes first, acks in the last', async () => {
    const q = new MemoryQueue();
    const { port, commits } = recording(q.port(50));
    const big = statelessRole(() => ({
      persist: [{ op: 'put', key: 'seen', slot: null, value: 'p1a' }],
      send: [0, 1, 2].map(() => ({ to: 'leader-0', message: { ...p1a, from: 'x'.repeat(300) } })),
    }));
    const { h } = host(big, null, port, { commitBodyBytesMax: 1_200 });
    await h.start();
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => q.depth('acceptor-0') === 0);
    await h.stop();
    const stepCommits = commits.filter((c) => c.sends.length > 0 || c.acks.length > 0);
    expect(stepCommits.length).toBeGreaterThan(1);
    expect(stepCommits[0]!.puts.map((p) => p.key)).toEqual(['seen']);
    expect(stepCommits.map((c) => c.acks.length)).toEqual([
      ...stepCommits.slice(1).map(() => 0),
      1,
    ]);
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
        // A new process's recovery commit records its protocol version: not a step.
        const recovery = c.puts.length > 0 && c.puts.every((p) => p.key === PROTOCOL_STATE_KEY);
        events.push(
          later ? `later ${JSON.stringify(c.puts[0]!.value)}` : recovery ? 'recovery' : 'step',
        );
        return port.stepCommit(c);
      },
    };
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

describe('start-up', () => {
  it('retries while the data API is unreachable (5xx, network), then recovers', async () => {
    const q = new MemoryQueue();
    const base = q.port(50);
    let failures = 2;
    const flaky: QueuePort = {
      ...base,
      loadDurable: async (owner) => {
        if (failures-- > 0) throw Object.assign(new Error('unavailable'), { status: 503 });
        return base.loadDurable(owner);
      },
    };
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, flaky);
    await h.start();
    expect(h.isReady).toBe(true);
    await h.stop();
  });

  it('a configuration error (401) is fatal at once', async () => {
    const q = new MemoryQueue();
    const base = q.port(50);
    const refused: QueuePort = {
      ...base,
      loadDurable: async () => {
        throw Object.assign(new Error('bad key'), { status: 401 });
      },
    };
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, refused);
    await expect(h.start()).rejects.toThrow(/load durable state: .*bad key/);
    await h.stop();
  });

  it('a corrupt state row stops start-up with exit code 3, naming the row and field', async () => {
    const q = new MemoryQueue();
    q.durable.set('acceptor-0', new Map([['ballot', { slot: null, value: { round: 'x' } }]]));
    const { h } = host(corruptRole, null, q.port(50));
    const failure = await h.start().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ShellFatalError);
    expect((failure as ShellFatalError).exitCode).toBe(3);
    expect((failure as Error).message).toMatch(/row "ballot" is unreadable: round:/);
    await h.stop();
  });
});

describe('one process per id: the epoch lease', () => {
  it('a second process waits while the first holds the lease, never fences it, and takes over once it stops', async () => {
    const q = new MemoryQueue();
    const first = host(acceptorRole, { id: 'acceptor-0' }, q.port(50), { holder: 'first' });
    const second = host(acceptorRole, { id: 'acceptor-0' }, q.port(50), { holder: 'second' });
    await first.h.start();
    const epoch = q.epochOf('acceptor-0');
    let secondStarted = false;
    const starting = second.h.start().then(() => (secondStarted = true));
    // Three lease lengths: the holder renews, the waiter never gets in, nobody alternates.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(secondStarted).toBe(false);
      expect(q.epochOf('acceptor-0')).toBe(epoch);
      expect(first.h.isReady).toBe(true);
    }
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => q.depth('leader-0') === 1);
    const stoppedAt = Date.now();
    await first.h.stop(); // hands the lease back
    await starting;
    expect(Date.now() - stoppedAt).toBeLessThan(1_000 + 500);
    expect(q.epochOf('acceptor-0')).toBe(epoch + 1);
    expect(first.fatal).toEqual([]);
    await second.h.stop();
  });

  it("a killed holder's replacement takes over once the lease lapses (EPOCH_LEASE_MS plus a retry)", async () => {
    const q = new MemoryQueue();
    // A holder that stopped renewing without handing back (as after SIGKILL).
    q.claimEpoch('acceptor-0', 'killed', 1_000);
    const heldAt = Date.now();
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50), { holder: 'replacement' });
    await h.start();
    const tookMs = Date.now() - heldAt;
    expect(tookMs).toBeGreaterThanOrEqual(900);
    expect(tookMs).toBeLessThan(1_000 + 250 + 500);
    await h.stop();
  });

  it('a renewal answered "not renewed" (a newer incarnation) is fatal', async () => {
    const q = new MemoryQueue();
    const { h, fatal } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50));
    await h.start();
    q.epochs.get('acceptor-0')!.epoch += 1;
    await until(() => fatal.length === 1);
    expect(fatal[0]!.message).toMatch(/fenced/);
    expect(h.isReady).toBe(false);
    await h.stop();
  });
});

describe('readiness', () => {
  it('an idle host drops to not ready within 5 s of the data API going silent, and comes back', async () => {
    const q = new MemoryQueue();
    const port = q.port(50);
    let silent = false;
    const idlePort: QueuePort = {
      ...port,
      // An idle long poll: nothing comes back while the queue is empty.
      claim: (args) =>
        new Promise((resolve) => args.signal?.addEventListener('abort', () => resolve([]))),
      renewEpoch: (r) => (silent ? new Promise(() => undefined) : port.renewEpoch(r)),
    };
    const { h } = host(acceptorRole, { id: 'acceptor-0' }, idlePort, { epochLeaseMs: 4_000 });
    await h.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(h.isReady).toBe(true);
    silent = true;
    const silentAt = Date.now();
    await until(() => !h.isReady, 5_000);
    expect(Date.now() - silentAt).toBeLessThan(5_000);
    silent = false;
    await until(() => h.isReady, 5_000);
    await h.stop();
  });
});

describe('after a network partition', () => {
  it('a long poll sent before the outage is abandoned once the data API answers again', async () => {
    const q = new MemoryQueue();
    const port = q.port(50);
    let down = false;
    let claims = 0;
    const partitioned: QueuePort = {
      ...port,
      // The first long poll sits on a connection the partition killed without a word: it
      // never answers, only the host's own abort ends it.
      claim: (args) => {
        claims += 1;
        if (claims > 1) return port.claim(args);
        return new Promise((_, reject) =>
          args.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
      renewEpoch: (r) =>
        down
          ? Promise.reject(new DataApiUnavailableError('POST', '/custom/epoch_renew', 1, 'TIMEOUT'))
          : port.renewEpoch(r),
    };
    const { h, fatal } = host(acceptorRole, { id: 'acceptor-0' }, partitioned, {
      epochLeaseMs: 400,
    });
    await h.start();
    down = true;
    await until(() => !h.isReady, 3_000);
    down = false;
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => (h.describeHost() as { messagesHandled: number }).messagesHandled === 1);
    expect(claims).toBeGreaterThanOrEqual(2);
    expect(fatal).toEqual([]);
    await h.stop();
  });
});

describe('retention', () => {
  it('runs queue retention and publishes what is left', async () => {
    const q = new MemoryQueue();
    q.push('nobody-claims-this', '{}');
    const { h, metrics } = host(acceptorRole, { id: 'acceptor-0' }, q.port(50), {
      retention: { everyMs: 50, unknownAfterMs: 0, deadLetterAfterMs: 60_000 },
    });
    await h.start();
    await until(() => q.depth('nobody-claims-this') === 0);
    await h.stop();
    expect(
      await metricValue(metrics, 'paxos_retention_removed_total', { kind: 'unknown-destination' }),
    ).toBe(1);
    expect(await metricValue(metrics, 'paxos_queue_unknown_destination_rows')).toBe(0);
  });
});

describe('acks with nothing else to commit', () => {
  it('wait for the next commit (or ackDelayMs), then go out together', async () => {
    const q = new MemoryQueue();
    const silent = statelessRole(() => ({ persist: [], send: [] }));
    const { h } = host(silent, null, q.port(50), { ackDelayMs: 150 });
    await h.start();
    const before = q.commits;
    q.push('acceptor-0', JSON.stringify(p1a));
    q.push('acceptor-0', JSON.stringify(p1a));
    await until(() => (h.describeHost() as { messagesHandled: number }).messagesHandled === 2);
    expect(q.depth('acceptor-0')).toBe(2);
    await until(() => q.depth('acceptor-0') === 0);
    await h.stop();
    expect(q.commits - before).toBe(1);
  });
});
