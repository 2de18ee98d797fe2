import { LIMITS, type Message } from '@paxos/shared';
import { ShellFatalError } from '../src/failures';
import type { ShellCoreOptions } from '../src/shell-core';
import {
  FakeDataApi,
  ROUND,
  claimed,
  corruptRole,
  newCore,
  p1a,
  probeRole,
  roundsOf,
  run,
  type ProbeState,
} from './support/shell-harness';

/**
 * The shell core driven synchronously over a fake data API with step_commit's rules. Each test
 * reads as a transcript of the actions the core asked for, in order.
 */

function started(overrides: Partial<ShellCoreOptions<ProbeState, null>> = {}) {
  const api = new FakeDataApi();
  const { core, recorded } = newCore<ProbeState>(overrides);
  core.begin(api.epoch);
  const recovery = run(core, api);
  return { api, core, recorded, recovery };
}

const withdraw = (requestId: number): Message => ({
  type: 'withdraw',
  from: 'client:7',
  sessionId: 7,
  requestId,
});

describe('a step', () => {
  it('starts with a recovery, then commits puts, sends and acks in one commit', () => {
    const { api, core, recovery } = started();
    expect(recovery).toEqual(['load-durable']);
    core.receive([claimed('m1', p1a(1)), claimed('m2', p1a(2))]);
    expect(run(core, api)).toEqual([
      'commit #1 puts=seen:1,seen:2 sends=p1a>leader-0,p1a>leader-0 acks=m1,m2',
    ]);
    expect(api.acked).toEqual(['m1', 'm2']);
    expect(core.currentState?.seen).toEqual([1, 2]);
  });

  it('delivers client messages only after the commit, and queues unknown non-client destinations', () => {
    const { api, core } = started();
    core.submit(withdraw(4));
    expect(run(core, api)).toEqual(['commit #1 puts=seen:4', 'deliver withdraw>client:7']);
    expect(api.delivered.map((e) => e.to)).toEqual(['client:7']);
  });

  it('numbers every commit of the epoch 1, 2, 3, ... (background ones included)', () => {
    const { api, core } = started();
    for (const round of [1, ROUND.snapshot, 2]) {
      core.receive([claimed(`m${round}`, p1a(round))]);
      run(core, api);
    }
    const numbers = api.transcript
      .filter((l) => l.startsWith('commit'))
      .map((l) => Number(/#(\d+)/.exec(l)![1]));
    expect(numbers).toEqual([1, 2, 3, 4]);
    expect(api.transcript).toContain(
      'commit #3 (background) puts=snap:part:0,snap:part:1,snap:head truncate<3',
    );
  });

  it('defers acks with nothing else to commit, and flushes them at ackDelayMs', () => {
    const silent = { ...probeRole, step: (s: ProbeState) => ({ state: s, persist: [], send: [] }) };
    const { api, core } = started({ role: silent, ackDelayMs: 100 });
    core.receive([claimed('m1', p1a(1))]);
    expect(run(core, api, 10)).toEqual([]);
    expect(core.wakeAt()).toBe(110);
    expect(run(core, api, 110)).toEqual(['commit #1 acks=m1']);
  });
});

describe('commit splitting', () => {
  it('puts first, then sends; acks and the truncation only in the last commit; each body within budget', () => {
    const big = {
      ...probeRole,
      step: (s: ProbeState, m: Message) => {
        const round = m.type === 'p1a' ? m.ballot.round : 0;
        return {
          state: s,
          persist: [
            { op: 'put' as const, key: `a${round}`, slot: 9, value: '"'.repeat(300) },
            { op: 'put' as const, key: `b${round}`, slot: 9, value: '\u0001'.repeat(100) },
            { op: 'truncate' as const, belowSlot: 5 },
          ],
          send: [
            {
              to: 'leader-0',
              message: {
                type: 'p1a' as const,
                from: '"\\'.repeat(100),
                ballot: { round, leaderId: 'x' },
              },
            },
          ],
        };
      },
    };
    const budget = 2_000;
    const { api, core } = started({ role: big, commitBodyBytesMax: budget });
    core.receive([claimed('m1', p1a(1)), claimed('m2', p1a(2))]);
    const lines = run(core, api);
    expect(lines.length).toBeGreaterThan(2);
    expect(api.commits.every((c) => c.bodyBytes <= budget)).toBe(true);
    // Order across commits: every put before every send, acks and truncation last.
    const flat = api.commits.flatMap((c) => [
      ...c.puts.map(() => 'put'),
      ...c.sends.map(() => 'send'),
      ...c.acks.map(() => 'ack'),
    ]);
    expect(flat).toEqual(['put', 'put', 'put', 'put', 'send', 'send', 'ack', 'ack']);
    expect(
      api.commits.slice(0, -1).every((c) => c.acks.length === 0 && c.truncateBelow === 0),
    ).toBe(true);
    expect(api.commits.at(-1)).toMatchObject({ acks: ['m1', 'm2'], truncateBelow: 5 });
    expect(api.commits.map((c) => c.writeSeq)).toEqual(api.commits.map((_, i) => i + 1));
  });

  it('a snapshot written later lands as parts, then the head, then the truncation, in order', () => {
    const { api, core } = started({ commitBodyBytesMax: 1_000 });
    core.receive([claimed('m1', p1a(ROUND.snapshot))]);
    expect(run(core, api)).toEqual([
      'commit #1 puts=seen:50 sends=p1a>leader-0 acks=m1',
      'commit #2 (background) puts=snap:part:0',
      'commit #3 (background) puts=snap:part:1,snap:head truncate<3',
    ]);
  });
});

describe('poison isolation', () => {
  it('a message that throws: the role is recovered, the batch stepped one by one, only the culprit dead-lettered', () => {
    const { api, core, recorded } = started();
    core.receive([claimed('m1', p1a(1))]);
    run(core, api);
    core.receive([claimed('m2', p1a(2)), claimed('m3', p1a(ROUND.throws)), claimed('m4', p1a(4))]);
    expect(run(core, api)).toEqual([
      'load-durable',
      'commit #2 puts=seen:2 sends=p1a>leader-0 acks=m2',
      'dead-letter m3 step-threw',
      'load-durable',
      'commit #3 puts=seen:4 sends=p1a>leader-0 acks=m4',
    ]);
    expect(recorded.isolating).toEqual([3]);
    expect(recorded.deadLettered).toEqual(['m3 step-threw']);
    // The in-place change of the failed batch is gone: state matches what is durable.
    expect(core.currentState?.seen).toEqual([1, 2, 4]);
    expect(roundsOf(api.rows)).toEqual([1, 2, 4]);
  });

  it('a commit the data API refuses (400): isolation, and the culprit is dead-lettered commit-refused', () => {
    const { api, core, recorded } = started();
    core.receive([
      claimed('m1', p1a(1)),
      claimed('m2', p1a(ROUND.refusedByDataApi)),
      claimed('m3', p1a(3)),
    ]);
    expect(run(core, api)).toEqual([
      'commit #1 puts=seen:1,seen:66,refuse-me,seen:3 sends=p1a>leader-0,p1a>leader-0,p1a>leader-0 acks=m1,m2,m3',
      '  refused #1',
      'load-durable',
      'commit #2 puts=seen:1 sends=p1a>leader-0 acks=m1',
      'commit #3 puts=seen:66,refuse-me sends=p1a>leader-0 acks=m2',
      '  refused #3',
      'dead-letter m2 commit-refused',
      'load-durable',
      'commit #4 puts=seen:3 sends=p1a>leader-0 acks=m3',
    ]);
    expect(recorded.deadLettered).toEqual(['m2 commit-refused']);
    expect(api.acked).toEqual(['m1', 'm3']);
  });

  it.each([
    [
      'a message over LIMITS.messageJsonBytesMax',
      ROUND.hugeSend,
      /message to leader-0 is \d+ bytes of JSON, over LIMITS.messageJsonBytesMax/,
    ],
    [
      'a durable write over LIMITS.stateWriteJsonBytesMax',
      ROUND.hugePut,
      /durable write "huge" is \d+ bytes of JSON, over LIMITS.stateWriteJsonBytesMax/,
    ],
  ])(
    '%s: the culprit is dead-lettered too-large and the size is reported',
    (_name, round, detail) => {
      const { api, core, recorded } = started();
      core.receive([claimed('m1', p1a(1)), claimed('m2', p1a(round))]);
      expect(run(core, api)).toEqual([
        'load-durable',
        'commit #1 puts=seen:1 sends=p1a>leader-0 acks=m1',
        'dead-letter m2 too-large',
        'load-durable',
      ]);
      expect(recorded.tooLarge).toHaveLength(1);
      expect(recorded.tooLarge[0]).toMatch(detail);
    },
  );

  it('a write that cannot fit one commit body even alone: its message is dead-lettered too-large', () => {
    const { api, core, recorded } = started({ commitBodyBytesMax: 1_500 });
    core.receive([claimed('m1', p1a(1)), claimed('m2', p1a(ROUND.overBudgetPut))]);
    expect(run(core, api)).toEqual([
      'load-durable',
      'commit #1 puts=seen:1 sends=p1a>leader-0 acks=m1',
      'dead-letter m2 too-large',
      'load-durable',
    ]);
    expect(recorded.tooLarge).toEqual([
      expect.stringMatching(
        /durable write \(wide\) needs \d+ bytes of step commit body, over 1500/,
      ),
    ]);
  });

  it('a local message that throws is dropped; the other local and claimed messages go on', () => {
    const { api, core, recorded } = started();
    core.receive([claimed('m1', p1a(1))]);
    core.submit(withdraw(2));
    core.submit(withdraw(ROUND.throws));
    expect(run(core, api)).toEqual([
      'load-durable',
      'commit #1 puts=seen:1 sends=p1a>leader-0 acks=m1',
      'commit #2 puts=seen:2',
      'deliver withdraw>client:7',
      'load-durable',
    ]);
    expect(recorded.droppedLocal).toEqual(['withdraw step-threw']);
    expect(api.deadLetters).toEqual([]);
  });

  it('a refused batch gives its deferred acks back, and they still land', () => {
    const silentFor7 = {
      ...probeRole,
      step: (s: ProbeState, m: Message) =>
        m.type === 'p1a' && m.ballot.round === 7
          ? { state: s, persist: [], send: [] }
          : probeRole.step(s, m, 0),
    };
    const { api, core } = started({ role: silentFor7 });
    core.receive([claimed('m7', p1a(7))]);
    expect(run(core, api)).toEqual([]);
    core.receive([claimed('m1', p1a(ROUND.refusedByDataApi))]);
    run(core, api);
    expect(api.acked).toContain('m7');
    expect(api.deadLetters).toEqual([{ id: 'm1', reason: 'commit-refused' }]);
  });
});

describe('claimed messages the core refuses to step', () => {
  it.each([
    ['not JSON', '{nope', 'invalid-json'],
    ['not a message', JSON.stringify({ type: 'p9z' }), 'invalid-message'],
  ])('%s: dead-lettered with its reason; the batch goes on', (_name, payload, reason) => {
    const { api, core, recorded } = started();
    core.receive([claimed('m1', payload), claimed('m2', p1a(2))]);
    expect(run(core, api)).toEqual([
      `dead-letter m1 ${reason}`,
      'commit #1 puts=seen:2 sends=p1a>leader-0 acks=m2',
    ]);
    expect(recorded.deadLettered).toEqual([`m1 ${reason}`]);
  });

  it('a message delivered more than maxAttempts times is dead-lettered unstepped (poison-attempts)', () => {
    const { api, core } = started({ maxAttempts: 3 });
    core.receive([claimed('m9', p1a(ROUND.throws), 4)]);
    expect(run(core, api)).toEqual(['dead-letter m9 poison-attempts']);
    expect(core.currentState?.seen).toEqual([]);
  });

  it('redelivered messages are stepped one at a time and their batch mates handed back', () => {
    const { api, core } = started();
    core.receive([
      claimed('m1', p1a(1), 1),
      claimed('m2', p1a(2), 2),
      claimed('m3', p1a(3), 1),
      claimed('m4', p1a(4), 3),
    ]);
    expect(run(core, api)).toEqual([
      'release m1,m3',
      'commit #1 puts=seen:2 sends=p1a>leader-0 acks=m2',
      'commit #2 puts=seen:4 sends=p1a>leader-0 acks=m4',
    ]);
    // Handed back, they come again as first deliveries (queue_release does not count them).
    core.receive([claimed('m1', p1a(1), 1), claimed('m3', p1a(3), 1)]);
    expect(run(core, api)).toEqual([
      'commit #3 puts=seen:1,seen:3 sends=p1a>leader-0,p1a>leader-0 acks=m1,m3',
    ]);
  });

  it('a message already held is not taken twice', () => {
    const { api, core } = started();
    core.receive([claimed('m1', p1a(1))]);
    core.receive([claimed('m1', p1a(1), 2)]);
    expect(run(core, api)).toEqual(['commit #1 puts=seen:1 sends=p1a>leader-0 acks=m1']);
  });
});

describe('fatal conditions', () => {
  it('a corrupt durable row: recovery fails with exit code 3 and names the row and field', () => {
    const api = new FakeDataApi();
    api.rows.set('ballot', { slot: null, value: { round: 'three' }, epoch: 1, writeSeq: 1 });
    const { core } = newCore({ role: corruptRole });
    core.begin(1);
    let error: unknown;
    try {
      run(core, api);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ShellFatalError);
    expect((error as ShellFatalError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/durable state row "ballot" is unreadable: round: /);
  });

  it('a commit of an older epoch is fenced: fatal', () => {
    const { api, core } = started();
    api.epoch = 2;
    core.receive([claimed('m1', p1a(1))]);
    expect(() => run(core, api)).toThrow(/fenced: a newer incarnation of acceptor-0/);
  });

  it('a timer whose writes are over the limits: fatal, with the size named', () => {
    const hugeTick = {
      ...probeRole,
      recover: () => ({ state: { seen: [], deadline: 5 }, persist: [], send: [] }),
      tick: (s: ProbeState) => ({
        state: s,
        persist: [
          {
            op: 'put' as const,
            key: 'big',
            slot: null,
            value: 'z'.repeat(LIMITS.stateWriteJsonBytesMax),
          },
        ],
        send: [],
      }),
    };
    const api = new FakeDataApi();
    const { core, recorded } = newCore({ role: hugeTick });
    core.begin(1);
    expect(() => run(core, api, 10)).toThrow(
      /a timer produced a write over the limits: the durable write "big"/,
    );
    expect(recorded.tooLarge).toHaveLength(1);
  });

  it('a refused recovery commit cannot be pinned on a message: fatal', () => {
    const refusedRecovery = {
      ...probeRole,
      recover: () => ({
        state: { seen: [], deadline: null },
        persist: [{ op: 'put' as const, key: 'x', slot: null, value: 'refuse-me' }],
        send: [],
      }),
    };
    const api = new FakeDataApi();
    const { core } = newCore({ role: refusedRecovery });
    core.begin(1);
    expect(() => run(core, api)).toThrow(/refused a commit no message explains \(recovery\)/);
  });
});

describe('stopping', () => {
  it('finishes, acks what was handled and hands back what was not', () => {
    const silent = { ...probeRole, step: (s: ProbeState) => ({ state: s, persist: [], send: [] }) };
    const { api, core } = started({ role: silent });
    core.receive([claimed('m1', p1a(1))]);
    expect(run(core, api)).toEqual([]); // stepped; its ack waits for company
    core.receive([claimed('m2', p1a(2))]);
    core.stop();
    expect(run(core, api)).toEqual(['commit #1 acks=m1', 'release m2']);
    expect(core.finished).toBe(true);
  });
});
