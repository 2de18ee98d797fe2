import { parseVmRssBytes, rssBytesOf } from '../src/soak/process-memory';
import { progressLine } from '../src/soak/progress-line';
import { roleStateSeries } from '../src/soak/role-state';
import { foldReadings } from '../src/soak/sample';
import { sampleOnSchedule } from '../src/soak/schedule';

describe('soak samplers (the pure parts)', () => {
  it('reads VmRSS out of /proc/<pid>/status, in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 70000 kB\n';
    expect(parseVmRssBytes(status)).toBe(81234 * 1024);
    expect(parseVmRssBytes('Name:\tkthreadd\n')).toBeNull();
  });

  it('reads this very process, and nothing for a pid that does not exist', async () => {
    expect(await rssBytesOf(process.pid)).toBeGreaterThan(1_000_000);
    expect(await rssBytesOf(2 ** 22 + 12_345)).toBeNull();
  });

  it("takes a replica's sessions and response cache and an acceptor's accepted slots from /state", () => {
    const replica = {
      role: 'replica',
      host: {},
      state: { sessions: 4, cachedResponses: 64, cachedResponseValueBytes: 900, keys: 28 },
    };
    expect(roleStateSeries('replica', 'replica-1', replica)).toEqual({
      'replica.sessions.replica-1': 4,
      'replica.cached_responses.replica-1': 64,
      'replica.cached_response_value_bytes.replica-1': 900,
    });
    expect(roleStateSeries('acceptor', 'acceptor-0', { state: { acceptedSlots: 57 } })).toEqual({
      'acceptor.accepted_slots.acceptor-0': 57,
    });
    // Still starting (state null), or not answering: nothing, not zeros.
    expect(roleStateSeries('acceptor', 'acceptor-0', { state: null })).toEqual({});
    expect(roleStateSeries('replica', 'replica-0', null)).toEqual({});
    expect(roleStateSeries('leader', 'leader-0', { state: { decided: 3, proposals: 1 } })).toEqual({
      'leader.decided_slots.leader-0': 3,
      'leader.proposals.leader-0': 1,
    });
    expect(roleStateSeries('neurelo', 'neurelo', { state: { decided: 3 } })).toEqual({});
  });

  it('prints one progress line per sample', () => {
    const line = progressLine(
      {
        minute: 12,
        elapsedSeconds: 720.4,
        readings: 12,
        series: {
          'rss_bytes.neurelo': 160e6,
          'rss_bytes.leader-0': 90e6,
          'queue_item.rows': 12,
          'queue_item.bytes': 98_304,
          'dead_letter.rows': 0,
          'acceptor.accepted_slots.acceptor-0': 40,
        },
      },
      30,
      { acknowledged: 4120, unanswered: 3 },
      { kill: 2, pause: 0 },
    );
    expect(line).toBe(
      'soak 12/30 min: 4120 acked, 3 unanswered; faults 2 (kill 2); rss 250MB (max 160MB neurelo); queue 12 rows/98.3kB, dead 0; accepted slots 40',
    );
  });
});

describe('sampleOnSchedule', () => {
  /** A fake clock that sleeping advances; each reading takes 300 ms. */
  function fakeRun(minutes: number, sampleSeconds: number, readEverySeconds: number) {
    let now = 1_000_000;
    const readAt: number[] = [];
    return {
      readAt,
      run: sampleOnSchedule({
        t0: now,
        minutes,
        sampleSeconds,
        readEverySeconds,
        read: () => {
          readAt.push(now - 1_000_000);
          const secondsIn = (now - 1_000_000) / 1000;
          now += 300;
          // A sawtooth with a 50 s period, and a series that is down for the first 20 s.
          return Promise.resolve({
            saw: secondsIn % 50,
            ...(secondsIn >= 20 ? { late: 1 } : {}),
          });
        },
        onSample: () => undefined,
        keepGoing: () => true,
        now: () => now,
        sleep: (ms: number) => {
          now += ms;
          return Promise.resolve();
        },
      }),
    };
  }

  it('reads on a fixed schedule and keeps each sample the peak of its readings', async () => {
    const { run, readAt } = fakeRun(2, 60, 5);
    const samples = await run;
    // Readings at 0, 5, ..., 120 s: the 300 ms each one takes does not shift the next.
    expect(readAt).toEqual(Array.from({ length: 25 }, (_, i) => i * 5_000));
    expect(samples.map((s) => [s.minute, s.readings, s.series.saw, s.series.late])).toEqual([
      [0, 1, 0, undefined],
      [1, 12, 45, 1],
      [2, 12, 45, 1],
    ]);
    expect(samples[2]!.elapsedSeconds).toBeCloseTo(120.3);
  });

  it('takes one reading per sample when samples are closer than the reading interval', async () => {
    const { run } = fakeRun(1, 20, 30);
    const samples = await run;
    expect(samples.map((s) => [s.minute, s.readings])).toEqual([
      [0, 1],
      [1 / 3, 1],
      [2 / 3, 1],
      [1, 1],
    ]);
  });
});

describe('foldReadings', () => {
  it('keeps the largest value of each series over the readings, skipping absent ones', () => {
    expect(foldReadings([{ a: 1, b: 5 }, { a: 3 }, { a: 2, b: 4, c: 0 }])).toEqual({
      a: 3,
      b: 5,
      c: 0,
    });
  });

  it("keeps the heap's trough: what survived the last collection", () => {
    const h = 'heap_used_bytes.replica-0';
    expect(foldReadings([{ [h]: 40, r: 1 }, { [h]: 25, r: 3 }, { [h]: 33 }])).toEqual({
      [h]: 25,
      r: 3,
    });
    expect(foldReadings([])).toEqual({});
  });
});
