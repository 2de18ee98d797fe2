/**
 * The pure parts of the comparison with etcd: the gateway's JSON, the members' command lines,
 * the load generator's accounting with a scripted clock and runner, ratios and targets.
 */
import type { KeyOp } from '@paxos/shared';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMPARISON_LOADS, comparisonLoadNamed } from '../src/bench/comparison-loads';
import { loadResult, ratiosToEtcd, type LoadResult } from '../src/bench/comparison-report';
import { targetsTable } from '../src/bench/comparison-tables';
import { etcdAnswerOf, etcdRequestOf } from '../src/bench/etcd-json';
import { etcdMemberArgs, etcdMembers, findOnPath } from '../src/bench/etcd-members';
import type { OpRunner } from '../src/bench/op-runner';
import {
  evaluateTargets,
  holds,
  TARGETS,
  targetMeasurements,
  type TargetMeasurements,
} from '../src/bench/performance-targets';
import type { WindowFigures } from '../src/bench/snapshot';
import {
  dueAtMs,
  noCompletions,
  startClosedLoop,
  startOpenLoop,
  type Ticker,
} from '../src/bench/workload';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('etcd JSON gateway', () => {
  it('encodes keys and values in base64 on the v3 paths', () => {
    expect(etcdRequestOf({ kind: 'put', key: 'k1', value: 'c3-7' })).toEqual({
      path: '/v3/kv/put',
      body: JSON.stringify({ key: b64('k1'), value: b64('c3-7') }),
    });
    // No `serializable` field: etcd's default range is linearizable.
    expect(etcdRequestOf({ kind: 'get', key: 'é/x' })).toEqual({
      path: '/v3/kv/range',
      body: JSON.stringify({ key: b64('é/x') }),
    });
    expect(etcdRequestOf({ kind: 'delete', key: 'k' }).path).toBe('/v3/kv/deleterange');
    expect(() => etcdRequestOf({ kind: 'cas', key: 'k', expected: null, value: 'v' })).toThrow();
  });

  it('reads a range answer, a missing key and a put answer', () => {
    const header = { cluster_id: '1', member_id: '2', revision: '42', raft_term: '2' };
    const found = JSON.stringify({
      header,
      kvs: [{ key: b64('k'), value: b64('v1') }],
      count: '1',
    });
    expect(etcdAnswerOf(200, found)).toEqual({ kind: 'ok', revision: 42, value: 'v1' });
    expect(etcdAnswerOf(200, JSON.stringify({ header }))).toEqual({
      kind: 'ok',
      revision: 42,
      value: null,
    });
    // A key holding the empty string has no `value` field at all.
    const empty = JSON.stringify({ header, kvs: [{ key: b64('k') }], count: '1' });
    expect(etcdAnswerOf(200, empty)).toMatchObject({ value: '' });
  });

  it('refuses a bad request for good and retries the rest', () => {
    const bad = JSON.stringify({ error: 'json: cannot unmarshal', code: 3 });
    expect(etcdAnswerOf(400, bad)).toEqual({
      kind: 'refused',
      status: 400,
      error: 'json: cannot unmarshal',
    });
    expect(etcdAnswerOf(429, '{"error":"etcdserver: too many requests"}').kind).toBe('retry');
    expect(etcdAnswerOf(503, 'not json').kind).toBe('retry');
    expect(etcdAnswerOf(0, null)).toEqual({ kind: 'retry', status: 0, error: 'no answer' });
    expect(etcdAnswerOf(200, '{}').kind).toBe('retry');
  });
});

describe('etcd members', () => {
  const members = etcdMembers(2379, '/tmp/d');

  it('puts three members on loopback, clients and peers on alternate ports', () => {
    expect(members.map((m) => [m.clientUrl, m.peerUrl])).toEqual([
      ['http://127.0.0.1:2379', 'http://127.0.0.1:2380'],
      ['http://127.0.0.1:2381', 'http://127.0.0.1:2382'],
      ['http://127.0.0.1:2383', 'http://127.0.0.1:2384'],
    ]);
    expect(new Set(members.map((m) => m.dataDir)).size).toBe(3);
  });

  it('starts a new cluster of all three, with fsync left on', () => {
    const argv = etcdMemberArgs(members[1]!, members, 'token-1');
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    expect(flag('--name')).toBe('etcd-1');
    expect(flag('--initial-cluster')).toBe(
      'etcd-0=http://127.0.0.1:2380,etcd-1=http://127.0.0.1:2382,etcd-2=http://127.0.0.1:2384',
    );
    expect(flag('--initial-cluster-state')).toBe('new');
    expect(flag('--listen-client-urls')).toBe('http://127.0.0.1:2381');
    expect(argv.join(' ')).not.toMatch(/unsafe|fsync/);
  });

  it('finds an executable on the PATH, and only an executable', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-path-'));
    try {
      writeFileSync(path.join(dir, 'etcd'), '#!/bin/sh\n');
      expect(findOnPath('etcd', `/nonexistent${path.delimiter}${dir}`)).toBeNull();
      chmodSync(path.join(dir, 'etcd'), 0o755);
      expect(findOnPath('etcd', `/nonexistent${path.delimiter}${dir}`)).toBe(
        path.join(dir, 'etcd'),
      );
      expect(findOnPath('etcd', '')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A runner whose answers the test releases by hand, recording what it was sent and when. */
function scriptedRunners(clock: () => number) {
  const sent: Array<{ client: number; op: KeyOp; atMs: number; answer: (ok: boolean) => void }> =
    [];
  const runners = (client: number): OpRunner => ({
    run: (op) =>
      new Promise<boolean>((resolve) => sent.push({ client, op, atMs: clock(), answer: resolve })),
  });
  return { sent, runners };
}

const flush = () => new Promise((r) => setImmediate(r));

/**
 * An open loop on a hand-moved clock and ticker: `at(ms)` sets the time and runs the
 * generator's tick, as its timer would.
 */
function scriptedOpenLoop(
  startMs: number,
  options: Omit<Parameters<typeof startOpenLoop>[0], 'runners' | 'clock' | 'ticker'>,
) {
  let now = startMs;
  const clock = () => now;
  let tick: () => void = () => undefined;
  const ticker: Ticker = (_ms, t) => {
    tick = t;
    return () => undefined;
  };
  const { sent, runners } = scriptedRunners(clock);
  const load = startOpenLoop({ ...options, runners, clock, ticker });
  const setNow = (ms: number) => {
    now = ms;
  };
  const at = (ms: number) => {
    setNow(ms);
    tick();
  };
  return { sent, load, at, setNow };
}

describe('open loop', () => {
  it('counts each latency from when the command was due, not when it went out', async () => {
    const { sent, load, at, setNow } = scriptedOpenLoop(1_000, {
      perSecond: 100,
      keys: 10,
      readRatio: 0,
    });
    // The generator stalls for 25 ms: commands due at +0, +10 and +20 ms all go out at +25.
    at(1_025);
    expect(sent.map((s) => s.atMs)).toEqual([1_025, 1_025, 1_025]);
    setNow(1_030);
    for (const s of sent) s.answer(true);
    await flush();
    expect(load.completions.latencyMs).toEqual([30, 20, 10]);
    expect(load.completions.atMs).toEqual([1_030, 1_030, 1_030]);
    expect(load.completions.kinds).toEqual(['put', 'put', 'put']);
    await load.stop();
  });

  it('sends each command through an idle client, a new one only when all are busy', async () => {
    const { sent, load, at } = scriptedOpenLoop(0, { perSecond: 1_000, keys: 10, readRatio: 1 });
    at(1); // commands 0 and 1: two clients
    sent[0]!.answer(true);
    sent[1]!.answer(false);
    await flush();
    at(3); // commands 2 and 3 reuse them
    expect(sent.map((s) => s.client)).toEqual([0, 1, 1, 0]);
    expect(sent.every((s) => s.op.kind === 'get')).toBe(true);
    expect(load.completions.unanswered).toBe(1);
    sent[2]!.answer(true);
    sent[3]!.answer(true);
    await load.stop();
    expect(load.completions.latencyMs).toEqual([1, 1, 0]); // due at 0, 2 and 3 ms
  });

  it('makes no more than maxClients: a due command waits for the first free one', async () => {
    const { sent, load, at, setNow } = scriptedOpenLoop(0, {
      perSecond: 1_000,
      keys: 10,
      readRatio: 0,
      maxClients: 2,
    });
    at(2); // commands 0, 1, 2 are due; only two clients may exist
    expect(sent.map((s) => s.client)).toEqual([0, 1]);
    expect(load.clientsMade()).toBe(2);
    setNow(10);
    sent[1]!.answer(true);
    await flush();
    // Command 2 (due at 2 ms) goes out on the freed client at 10 ms.
    expect(sent.map((s) => [s.client, s.atMs])).toEqual([
      [0, 2],
      [1, 2],
      [1, 10],
    ]);
    setNow(12);
    sent[0]!.answer(true);
    sent[2]!.answer(true);
    await load.stop();
    expect(load.completions.latencyMs).toEqual([9, 12, 10]);
  });

  it('spaces due times evenly from the start', () => {
    expect(dueAtMs(500, 0, 100)).toBe(500);
    expect(dueAtMs(500, 3, 100)).toBe(530);
    expect(dueAtMs(0, 1, 3)).toBeCloseTo(333.33, 2);
  });
});

describe('closed loop', () => {
  it('keeps one command in flight per client and times it from its send', async () => {
    let now = 0;
    const clock = () => now;
    const { sent, runners } = scriptedRunners(clock);
    const load = startClosedLoop({ clients: 2, keys: 10, readRatio: 0, runners, clock });
    expect(sent.map((s) => s.client)).toEqual([0, 1]);
    now = 7;
    sent[0]!.answer(true);
    await flush();
    expect(sent.map((s) => [s.client, s.atMs])).toEqual([
      [0, 0],
      [1, 0],
      [0, 7],
    ]);
    const stopped = load.stop();
    now = 9;
    sent[1]!.answer(true);
    sent[2]!.answer(false);
    await stopped;
    expect(load.completions.latencyMs).toEqual([7, 9]);
    expect(load.completions.unanswered).toBe(1);
  });
});

const figures = (cpu: Partial<WindowFigures['cpuPercentByGroup']>): WindowFigures => ({
  seconds: 10,
  messagesPerSecond: 0,
  apiRequestsPerSecond: null,
  commitsPerSecond: null,
  walBytesPerSecond: null,
  walSyncsPerSecond: null,
  cpuPercent: {},
  cpuPercentByGroup: { roles: 0, dataApi: 0, postgres: 0, postgresShared: 0, client: 0, ...cpu },
  roles: {},
  slots: { commandsPerSlot: null, requeuedPerCommand: null, proposalsPerSecond: 0 },
});

describe('load results and ratios to etcd', () => {
  const mixed = comparisonLoadNamed('reads-1000');

  it('counts commands answered in the window over the window, reads apart', () => {
    const c = noCompletions();
    const add = (at: number, latency: number, kind: KeyOp['kind']) => {
      c.atMs.push(at);
      c.latencyMs.push(latency);
      c.kinds.push(kind);
    };
    add(999, 500, 'put'); // answered before the window: left out
    for (let i = 0; i < 10; i++) add(1_000 + i * 100, 10 + i, i % 2 === 0 ? 'get' : 'put');
    add(3_000, 900, 'get'); // after it
    const r = loadResult(mixed, 'etcd', figures({ roles: 50, client: 30 }), c, 1_000, 3_000);
    expect(r.answeredPerSecond).toBe(5);
    expect(r.latencyMs).toEqual({ p50: 14, p99: 19, max: 19 });
    expect(r.readLatencyMs).toEqual({ p50: 14, p99: 18, max: 18 });
    expect(r.cpuPercentTotal).toBe(50); // the system under test, not the bench client
    expect(r.cpuMsPerCommand).toBe(100);
  });

  it('counts the fleet with its PostgreSQL backends', () => {
    const r = loadResult(
      comparisonLoadNamed('offered-100'),
      'neurelo',
      figures({ roles: 40, dataApi: 20, postgres: 30, postgresShared: 5 }),
      noCompletions(),
      0,
      1_000,
    );
    expect(r.cpuPercentTotal).toBe(90);
    expect(r.readLatencyMs).toBeNull();
    expect(r.cpuMsPerCommand).toBeNull(); // nothing answered
  });

  it('divides the fleet by etcd, load by load', () => {
    const etcd = [run('etcd', 'clients-512', { perSecond: 4_000, p99: 200, cpuMs: 0.3 })];
    const fleet = [
      run('neurelo', 'clients-512', { perSecond: 5_000, p99: 100, cpuMs: 0.6 }),
      run('neurelo', 'clients-64', { perSecond: 1_000, p99: 90, cpuMs: 1 }),
    ];
    const [r, ...rest] = ratiosToEtcd(fleet, etcd);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({
      load: 'clients-512',
      answeredPerSecond: 1.25,
      p99LatencyMs: 0.5,
      cpuMsPerCommand: 2,
      readP99LatencyMs: null,
    });
  });

  it('runs the same six loads for both systems', () => {
    expect(COMPARISON_LOADS.map((l) => l.name)).toEqual([
      'one-client',
      'offered-100',
      'offered-1000',
      'clients-64',
      'clients-512',
      'reads-1000',
    ]);
    expect(mixed.loop === 'open' && mixed.perSecond * mixed.readRatio).toBeCloseTo(1_000);
  });
});

function run(
  system: string,
  load: LoadResult['load'],
  o: { perSecond: number; p99: number; cpuMs: number; readP99?: number },
): LoadResult {
  return {
    load,
    system,
    seconds: 10,
    answeredPerSecond: o.perSecond,
    latencyMs: { p50: o.p99 / 2, p99: o.p99, max: o.p99 * 2 },
    readLatencyMs: o.readP99 === undefined ? null : { p50: 1, p99: o.readP99, max: o.readP99 },
    unanswered: 0,
    cpuPercentTotal: (o.cpuMs * o.perSecond) / 10,
    cpuPercentByGroup: { roles: 0, dataApi: 0, postgres: 0, postgresShared: 0, client: 0 },
    cpuMsPerCommand: o.cpuMs,
  };
}

describe('targets', () => {
  /** Both systems on every load; the fleet's figures as the given multiples of etcd's. */
  function measured(over: Partial<TargetMeasurements> = {}): TargetMeasurements {
    const etcd = [
      run('etcd', 'offered-100', { perSecond: 100, p99: 6, cpuMs: 3.5 }),
      run('etcd', 'offered-1000', { perSecond: 1_000, p99: 17, cpuMs: 1.5 }),
      run('etcd', 'clients-64', { perSecond: 3_000, p99: 45, cpuMs: 0.5 }),
      run('etcd', 'clients-512', { perSecond: 4_600, p99: 211, cpuMs: 0.4 }),
      run('etcd', 'reads-1000', { perSecond: 1_100, p99: 10, cpuMs: 1, readP99: 10 }),
    ];
    const fleet = [
      run('neurelo', 'offered-100', { perSecond: 100, p99: 18, cpuMs: 5.25 }), // 3x, 1.5x
      run('neurelo', 'offered-1000', { perSecond: 990, p99: 60, cpuMs: 1.5 }), // 3.5x
      run('neurelo', 'clients-64', { perSecond: 2_400, p99: 90, cpuMs: 1 }), // 0.8x
      run('neurelo', 'clients-512', { perSecond: 5_000, p99: 100, cpuMs: 0.3 }), // 1.09x
      run('neurelo', 'reads-1000', { perSecond: 1_100, p99: 30, cpuMs: 1, readP99: 20 }), // 2x
    ];
    return {
      ...targetMeasurements({
        vsBaseline: 108,
        idleCpuPercent: 0.6,
        comparison: {
          fleet: { loads: fleet },
          etcd: { loads: etcd },
          ratios: ratiosToEtcd(fleet, etcd),
        },
      }),
      ...over,
    };
  }

  it('checks every bound, ends included', () => {
    const t = evaluateTargets(measured());
    expect(t.map((x) => [x.name, x.met])).toEqual([
      ['100 puts/s offered: p99 latency vs etcd', true],
      ['100 puts/s offered: CPU per put vs etcd', true],
      ['1,000 puts/s offered: p99 latency vs etcd', false],
      ['512 closed-loop clients: throughput vs etcd', false],
      ['64 closed-loop clients: throughput vs etcd', true],
      ['1,000 linearizable reads/s offered: read p99 vs etcd', true],
      ['512 closed-loop clients: throughput vs the baseline', true],
      ['idle fleet CPU (with its PostgreSQL backends)', true],
    ]);
    expect(t[3]!.value).toBeCloseTo(5_000 / 4_600);
    expect(t.every((x) => x.bound === TARGETS.find((d) => d.name === x.name)!.bound)).toBe(true);
  });

  it('has nothing to say about what was not run', () => {
    const t = evaluateTargets(
      targetMeasurements({ vsBaseline: null, idleCpuPercent: 2, comparison: null }),
    );
    expect(t.map((x) => x.met)).toEqual([null, null, null, null, null, null, null, false]);
    expect(t[0]!.note).toBe('not measured in this run');
  });

  it('fails a latency target when the fleet did not carry the offered load', () => {
    const m = measured();
    m.fleetLoads = m.fleetLoads.map((r) =>
      r.load === 'offered-100' ? { ...r, answeredPerSecond: 90 } : r,
    );
    const t = evaluateTargets(m)[0]!;
    expect(t.met).toBe(false);
    expect(t.note).toBe('the fleet answered 90 of 100 commands/s offered');
  });

  it('does not judge against an etcd that did not carry the offered load', () => {
    const m = measured();
    m.etcdLoads = m.etcdLoads.map((r) =>
      r.load === 'reads-1000' ? { ...r, answeredPerSecond: 500 } : r,
    );
    expect(evaluateTargets(m)[5]).toMatchObject({ met: null });
  });

  it('compares with the bound included or not, as the target says', () => {
    expect(holds(3, '<=', 3)).toBe(true);
    expect(holds(0.8, '>=', 0.8)).toBe(true);
    expect(holds(2, '<', 2)).toBe(false);
  });

  it('prints each target with its bound and verdict', () => {
    const t = targetsTable(evaluateTargets(measured()));
    expect(t.rows[0]).toEqual([
      '100 puts/s offered: p99 latency vs etcd',
      '3.00x etcd',
      '<= 3.00x etcd',
      'yes',
    ]);
    expect(t.rows[7]).toEqual([
      'idle fleet CPU (with its PostgreSQL backends)',
      '0.60 % of one core',
      '< 2.00 % of one core',
      'yes',
    ]);
  });
});
