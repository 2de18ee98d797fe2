/**
 * The pure parts of `npm run bench`: argument parsing, /proc and Prometheus parsing, ratios,
 * table formatting, profile summaries. No timings are checked here.
 */
import { parseBenchArgs, UsageError, DEFAULT_ARGS } from '../src/bench/args';
import { moduleOf, summarizeProfile, type CpuProfile } from '../src/bench/cpu-profile';
import { pidOfProfileFile } from '../src/bench/profiles';
import { parseProcStatTicks, percentOfCore } from '../src/bench/proc-cpu';
import { replicaCountersOf, slotFigures } from '../src/bench/replica-counters';
import { configurationResult, ratio, withRatios } from '../src/bench/report';
import { headlineTable } from '../src/bench/report-tables';
import { parseRoleCounters, sumSeries } from '../src/bench/service-metrics';
import { slotAnatomy, type TracedMessage } from '../src/bench/slot-anatomy';
import { cpuDelta, type WindowFigures } from '../src/bench/snapshot';
import { fmt, fmtRatio, formatMarkdownTable, formatTable } from '../src/bench/table';
import { commandsDue, latenciesWithin, makeOp } from '../src/bench/workload';

describe('bench arguments', () => {
  it('has defaults that include the baseline', () => {
    const a = parseBenchArgs([]);
    expect(a).toEqual(DEFAULT_ARGS);
    expect(a.configs).toContain('baseline');
  });

  it('parses every flag', () => {
    const a = parseBenchArgs([
      '--clients',
      '500',
      '--seconds',
      '30',
      '--keys',
      '10',
      '--read-ratio',
      '0.5',
      '--configs',
      'neurelo,memory',
      '--json',
      'out.json',
      '--offered',
      '0',
      '--anatomy-seconds',
      '0',
      '--cpu-prof',
    ]);
    expect(a).toMatchObject({
      clients: 500,
      seconds: 30,
      keys: 10,
      readRatio: 0.5,
      jsonFile: 'out.json',
      offeredPerSecond: 0,
      anatomySeconds: 0,
      cpuProfile: true,
    });
    // The baseline is always measured: every figure is a ratio against it.
    expect(a.configs).toEqual(['baseline', 'neurelo', 'memory']);
  });

  it('takes etcd as a configuration and runs the comparison alone with --vs-etcd', () => {
    expect(DEFAULT_ARGS.configs).toContain('etcd');
    expect(parseBenchArgs(['--configs', 'etcd']).configs).toEqual(['baseline', 'etcd']);
    const a = parseBenchArgs(['--vs-etcd', '--seconds', '10', '--etcd-port', '2391']);
    expect(a).toMatchObject({ vsEtcd: true, seconds: 10, etcdBasePort: 2391 });
    expect(DEFAULT_ARGS).toMatchObject({ vsEtcd: false, etcdBasePort: 2379 });
  });

  it.each([
    [['--vs-etcd', '--watch-scenario']],
    [['--etcd-port', '80']],
    [['--clients', '0']],
    [['--clients']],
    [['--read-ratio', '2']],
    [['--configs', 'nosuch']],
    [['--frobnicate']],
  ])('refuses %j with a usage error', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  });
});

describe('/proc/<pid>/stat', () => {
  // A command name with spaces and a ')' must not shift the fields.
  const line =
    '4242 (node (tsx) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 100 0 0';

  it('reads utime + stime in clock ticks', () => {
    expect(parseProcStatTicks(line)).toBe(1234 + 567);
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseProcStatTicks('garbage')).toThrow();
  });

  it('turns CPU seconds into percent of one core', () => {
    expect(percentOfCore(5, 20)).toBe(25);
    expect(percentOfCore(1, 0)).toBe(0);
  });

  it('counts a process that appeared in between from zero', () => {
    const before = new Map([
      [1, 10],
      [2, 5],
    ]);
    const after = new Map([
      [1, 12],
      [3, 1.5],
    ]);
    expect(cpuDelta(before, after)).toBeCloseTo(3.5);
  });
});

describe('Prometheus text', () => {
  const text = [
    '# HELP paxos_messages_out_total Messages sent, by type',
    '# TYPE paxos_messages_out_total counter',
    'paxos_messages_out_total{type="p2a",process_id="leader-0"} 30',
    'paxos_messages_out_total{type="decision",process_id="leader-0"} 12',
    'paxos_messages_out_total_extra 1000',
    'paxos_commit_duration_seconds_sum{process_id="leader-0"} 0.5',
    'paxos_commit_duration_seconds_count{process_id="leader-0"} 20',
  ].join('\n');

  it('sums every label set of one series and nothing else', () => {
    expect(sumSeries(text, 'paxos_messages_out_total')).toBe(42);
  });

  it('reads a role service’s counters', () => {
    expect(parseRoleCounters(text)).toMatchObject({
      messagesOut: 42,
      commits: 20,
      commitSeconds: 0.5,
      leases: 0,
    });
  });
});

const figures = (over: Partial<WindowFigures> = {}): WindowFigures => ({
  seconds: 10,
  messagesPerSecond: 1_000,
  apiRequestsPerSecond: 500,
  commitsPerSecond: 400,
  walBytesPerSecond: 1_000_000,
  walSyncsPerSecond: 100,
  cpuPercent: { 'leader-0': 30, neurelo: 40 },
  cpuPercentByGroup: { roles: 60, dataApi: 40, postgres: 20, postgresShared: 5, client: 10 },
  roles: {},
  slots: { commandsPerSlot: 10, requeuedPerCommand: 0.5, proposalsPerSecond: 40 },
  ...over,
});

const result = (name: string, commands: number, f = figures()) =>
  configurationResult(
    { name, title: name, kind: 'fleet', durable: true, clients: 8 },
    f,
    commands,
    { p50: 5, p99: 20, max: 40 },
    0,
  );

describe('results and ratios', () => {
  it('computes rates and per-command costs', () => {
    const r = result('neurelo', 2_000);
    expect(r.commandsPerSecond).toBe(200);
    expect(r.cpuPercentTotal).toBe(120); // roles + data API + postgres; not the client
    expect(r.perCommand).toEqual({ messages: 5, apiRequests: 2.5, commits: 2, cpuMs: 6 });
  });

  it('divides by the baseline of the same run', () => {
    const rated = withRatios([result('baseline', 100), result('neurelo', 2_500)]);
    expect(rated[0]!.ratioToBaseline.commandsPerSecond).toBe(1);
    expect(rated[1]!.ratioToBaseline.commandsPerSecond).toBe(25);
    expect(rated[1]!.ratioToBaseline.p99LatencyMs).toBe(1);
  });

  it('has no ratio without a baseline or against zero', () => {
    expect(withRatios([result('neurelo', 10)])[0]!.ratioToBaseline.commandsPerSecond).toBeNull();
    expect(ratio(5, 0)).toBeNull();
    expect(ratio(null, 3)).toBeNull();
  });
});

describe('tables', () => {
  it('formats numbers, ratios and missing values', () => {
    expect(fmt(2512.4)).toBe('2,512');
    expect(fmt(3.14159, 2)).toBe('3.14');
    expect(fmt(null)).toBe('-');
    expect(fmtRatio(25.4)).toBe('25x');
    expect(fmtRatio(1.234)).toBe('1.23x');
    expect(fmtRatio(null)).toBe('-');
  });

  it('aligns columns: text left, numbers right', () => {
    const out = formatTable(
      ['name', 'n'],
      [
        ['a', '1'],
        ['longer', '1,000'],
      ],
    );
    expect(out.split('\n')).toEqual([
      'name        n',
      '------  -----',
      'a           1',
      'longer  1,000',
    ]);
  });

  it('writes Markdown for the README', () => {
    expect(formatMarkdownTable(['a', 'b'], [['x', null]])).toBe(
      '| a | b |\n| --- | --- |\n| x | - |',
    );
  });

  it('puts the ratio to the baseline in the headline', () => {
    const t = headlineTable(withRatios([result('baseline', 100), result('neurelo', 2_500)]));
    expect(t.rows[1]![3]).toBe('25x');
  });
});

describe('workload', () => {
  it('makes gets and puts in the asked proportion over the asked keys', () => {
    let i = 0;
    const values = [0.5, 0.1, 0.999, 0.9];
    const random = () => values[i++ % values.length]!;
    expect(makeOp({ keys: 10, readRatio: 0.5 }, 3, 7, random)).toEqual({ kind: 'get', key: 'k5' });
    expect(makeOp({ keys: 10, readRatio: 0.5 }, 3, 8, random)).toEqual({
      kind: 'put',
      key: 'k9',
      value: 'c3-8',
    });
  });

  it('issues each open-loop command when it is due, the first at once', () => {
    // At 2/s command n is due at n * 500 ms: issuing it a whole interval late would add
    // 500 ms to every latency measured from its due time.
    expect(commandsDue(0, 2)).toBe(1);
    expect(commandsDue(499, 2)).toBe(1);
    expect(commandsDue(500, 2)).toBe(2);
    expect(commandsDue(1_000, 1_000)).toBe(1_001);
  });

  it('keeps the latencies of commands answered inside the window', () => {
    const c = {
      atMs: [5, 10, 15, 20],
      latencyMs: [1, 2, 3, 4],
      kinds: ['put' as const, 'get' as const, 'put' as const, 'get' as const],
      unanswered: 0,
    };
    expect(latenciesWithin(c, 10, 20)).toEqual([2, 3]);
    expect(latenciesWithin(c, 0, 20, 'get')).toEqual([2]);
  });
});

describe('replica counters', () => {
  it('reads /state counters and derives slot usage', () => {
    const a = replicaCountersOf({
      state: { counters: { commandsReceived: 100, slotsApplied: 10 } },
    });
    const b = replicaCountersOf({
      state: {
        counters: {
          commandsReceived: 300,
          commandsRequeued: 50,
          commandsPerformed: 400,
          slotsApplied: 30,
          proposalsSent: 20,
        },
      },
    });
    expect(a.commandsPerformed).toBe(0);
    expect(slotFigures(a, b, 10)).toEqual({
      commandsPerSlot: 20,
      requeuedPerCommand: 0.25,
      proposalsPerSecond: 2,
    });
    expect(replicaCountersOf(null).slotsApplied).toBe(0);
  });
});

describe('CPU profiles', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      {
        id: 3,
        callFrame: {
          functionName: 'stepCommit',
          url: 'file:///work/main/services/runtime/src/role-host.ts',
          lineNumber: 9,
        },
      },
      {
        id: 4,
        callFrame: {
          functionName: 'parse',
          url: 'file:///work/main/node_modules/body-parser/lib/read.js',
          lineNumber: 0,
        },
      },
    ],
    samples: [2, 3, 3, 4, 2],
    timeDeltas: [1000, 1000, 1000, 3000, 5000],
  };

  it('charges each sample to its function and module, idle apart', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(11);
    expect(s.busyMs).toBe(5);
    expect(s.byModule.map((l) => [l.what, l.selfMs])).toEqual([
      ['body-parser', 3],
      [expect.stringContaining('role-host.ts'), 2],
    ]);
    expect(s.byFunction[0]!.percent).toBe(60);
  });

  it('names modules by package, path or built-in', () => {
    expect(moduleOf('file:///x/node_modules/@scope/pkg/a.js')).toBe('@scope/pkg');
    expect(moduleOf('node:internal/http')).toBe('node:internal/http');
    expect(moduleOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(moduleOf('', 'writev')).toBe('(native)');
  });

  it('finds the pid in a --cpu-prof file name', () => {
    expect(pidOfProfileFile('/d/CPU.20260101.120000.4242.0.001.cpuprofile')).toBe(4242);
    expect(pidOfProfileFile('/d/other.json')).toBeNull();
  });
});

describe('slot anatomy', () => {
  /** One slot's phase-2 messages, every hop taking the given milliseconds. */
  function slot(n: number, proposer: string, start: number): TracedMessage[] {
    const m = (
      type: string,
      src: string,
      dst: string,
      insertedAt: number,
      leasedAt: number,
      ackedAt = leasedAt + 1,
    ): TracedMessage => ({ type, src, dst, slot: n, insertedAt, leasedAt, ackedAt });
    const t = start;
    return [
      m('propose', proposer, 'leader-0', t, t + 5),
      // Replicas propose to every leader; leader-1 is not the one running phase 2.
      m('propose', proposer, 'leader-1', t, t + 3),
      // The leader commits its p2as 10 ms after the lease; acceptors lease them after 2, 4, 30 ms.
      m('p2a', 'leader-0', 'acceptor-0', t + 15, t + 17),
      m('p2a', 'leader-0', 'acceptor-1', t + 15, t + 19),
      m('p2a', 'leader-0', 'acceptor-2', t + 15, t + 45),
      // p2bs: the majority's second one is sent at t+27 and leased by the leader at t+33.
      m('p2b', 'acceptor-0', 'leader-0', t + 25, t + 30),
      m('p2b', 'acceptor-1', 'leader-0', t + 27, t + 33),
      m('p2b', 'acceptor-2', 'leader-0', t + 55, t + 60),
      m('decision', 'leader-0', 'replica-0', t + 40, t + 44, t + 50),
      m('decision', 'leader-0', 'replica-1', t + 40, t + 47, t + 60),
    ];
  }

  it('splits each slot into hops through the queue and steps in the roles', () => {
    const a = slotAnatomy([...slot(1, 'replica-0', 1_000), ...slot(2, 'replica-0', 2_000)], 3);
    expect(a.slots).toBe(2);
    expect(a.segments.map((s) => [s.where, s.p50])).toEqual([
      ['queue', 5], // propose inserted -> leased
      ['role', 10], // leader lease -> p2a commit
      ['queue', 4], // p2a sent -> second acceptor's lease (the majority)
      ['role', 8], // that lease -> the majority's second p2b
      ['queue', 6], // -> the leader leases it
      ['role', 7], // -> decision commit
      ['queue', 4], // -> the proposing replica's lease
      ['role', 6], // -> its commit applying the slot
      ['total', 50],
    ]);
    expect(a.segments[8]!.mean).toBe(50);
  });

  it('follows the replica that proposed the slot', () => {
    const a = slotAnatomy(slot(1, 'replica-1', 0), 3);
    expect(a.segments[6]!.p50).toBe(7);
    expect(a.segments[8]!.p50).toBe(60);
  });

  it('follows the acceptances to the proposing replica when replicas learn from the acceptors', () => {
    const learned = (n: number, start: number): TracedMessage[] => {
      const t = start;
      const accepted = (src: string, dst: string, insertedAt: number, leasedAt: number) => ({
        type: 'accepted',
        src,
        dst,
        slot: n,
        insertedAt,
        leasedAt,
        ackedAt: leasedAt + 6,
      });
      return [
        ...slot(n, 'replica-0', start).filter((m) => m.type !== 'decision'),
        // Sent with the p2bs (t+25, t+27, t+55); replica-0 leases the second at t+31.
        accepted('acceptor-0', 'replica-0', t + 25, t + 29),
        accepted('acceptor-1', 'replica-0', t + 27, t + 31),
        accepted('acceptor-2', 'replica-0', t + 55, t + 58),
        accepted('acceptor-0', 'replica-1', t + 25, t + 40),
      ];
    };
    const a = slotAnatomy([...learned(1, 0), ...learned(2, 1_000), ...slot(3, 'replica-0', 0)], 3);
    expect(a.slots).toBe(2);
    expect(a.segments.map((s) => [s.name.split(':')[0], s.where, s.p50])).toEqual([
      ['propose', 'queue', 5],
      ['leader', 'role', 10],
      ['p2a', 'queue', 4],
      ['acceptor', 'role', 8],
      ['accepted', 'queue', 4], // the majority's second, sent at t+27, leased at t+31
      ['replica', 'role', 6], // -> acknowledged by the commit applying the slot
      ['slot round', 'total', 37],
    ]);
  });

  it('leaves out slots proposed twice, short of a majority, or out of order', () => {
    const twice = [...slot(1, 'replica-0', 0), slot(1, 'replica-1', 0)[0]!];
    expect(slotAnatomy(slot(1, 'replica-0', 0), 3).slots).toBe(1);
    const short = slot(2, 'replica-0', 0).filter((m) => m.type !== 'p2b' || m.src === 'acceptor-0');
    const disordered = slot(3, 'replica-0', 0).map((m) =>
      m.type === 'decision' ? { ...m, insertedAt: 0 } : m,
    );
    expect(slotAnatomy([...twice, ...short, ...disordered], 3).slots).toBe(0);
  });
});
