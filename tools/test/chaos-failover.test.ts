/**
 * The failover figures of `npm start` and the chaos tool (tools/src/fleet/leadership.ts): from
 * a timeline of the active leader and the faults, the time to another active leader and the
 * changes of leader per fault; and the recorder that builds the timeline, on a fake clock.
 */
import {
  LeadershipRecorder,
  failoverFigures,
  failoverLine,
  killFailoverText,
  leaderChangesIn,
  summarizeFailover,
  type LeaderFault,
  type LeadershipChange,
} from '../src/fleet/leadership';
import { failoverReport } from '../src/chaos/failover-report';
import type { FaultRecord } from '../src/chaos/nemesis';

const at = (
  atMs: number,
  leader: string | null,
  ballot: string | null = null,
): LeadershipChange => ({
  atMs,
  leader,
  ballot,
});
const kill = (atMs: number, target: string): LeaderFault => ({ atMs, target, kind: 'kill' });
const pause = (atMs: number, target: string): LeaderFault => ({ atMs, target, kind: 'pause' });

/** leader-0 active from 1 s at ballot 1. */
const START = [at(0, null), at(1_000, 'leader-0', '1.leader-0')];

describe('failover figures', () => {
  test('a clean takeover: one change, timed from the kill', () => {
    const timeline = [
      ...START,
      at(10_020, null),
      at(11_150, 'leader-1', '2.leader-1'),
      // leader-0 restarted: passive, so the timeline has nothing more.
    ];
    const [f] = failoverFigures(timeline, [kill(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f).toMatchObject({
      outcome: 'taken-over',
      takeoverAfterMs: 1_150,
      leaderChanges: 1,
      watchedMs: 15_000,
      sequence: ['leader-1 at 2.leader-1 +1150 ms'],
    });
    expect(killFailoverText(f)).toBe(
      'another leader active 1150 ms after the kill; leader changes: 1',
    );
  });

  test('a duel: the restarted leader takes leadership back, two changes', () => {
    const timeline = [
      ...START,
      at(10_010, null),
      at(11_200, 'leader-1', '2.leader-1'),
      at(13_400, 'leader-0', '3.leader-0'),
    ];
    const [f] = failoverFigures(timeline, [kill(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f).toMatchObject({ outcome: 'taken-over', takeoverAfterMs: 1_200, leaderChanges: 2 });
  });

  test('the same leader elected again at a new ballot is a change; a new epoch is not', () => {
    const timeline = [
      ...START,
      at(10_010, null),
      at(11_200, 'leader-1', '2.leader-1'),
      at(12_000, 'leader-1', '4.leader-1'),
      at(13_000, 'leader-1', 'e1:1.leader-1'),
    ];
    const [f] = failoverFigures(timeline, [pause(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f!.leaderChanges).toBe(2);
    expect(leaderChangesIn(timeline)).toBe(2);
  });

  test('nobody takes over: no time, no change, the whole window watched', () => {
    const timeline = [...START, at(10_010, null)];
    const [f] = failoverFigures(timeline, [kill(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f).toMatchObject({ outcome: 'no-leader', takeoverAfterMs: null, leaderChanges: 0 });
    expect(killFailoverText(f)).toBe(
      'no other leader became active within 15 s; leader changes: 0',
    );
  });

  test('the restarted old leader comes back passive: no change', () => {
    const timeline = [
      ...START,
      at(10_010, null),
      at(11_100, 'leader-1', '2.leader-1'),
      // leader-0 restarted at 20 s and says it is passive: the timeline does not move, though
      // a glitch in polling leader-1 shows as a gap.
      at(21_000, null),
      at(21_300, 'leader-1', '2.leader-1'),
    ];
    const [f] = failoverFigures(timeline, [kill(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f).toMatchObject({ takeoverAfterMs: 1_100, leaderChanges: 1 });
  });

  test('a short pause: the same leader comes back at its ballot, no change', () => {
    const timeline = [...START, at(10_500, null), at(10_800, 'leader-0', '1.leader-0')];
    const [f] = failoverFigures(timeline, [pause(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f).toMatchObject({ outcome: 'came-back', takeoverAfterMs: null, leaderChanges: 0 });
  });

  test('a leader deposed after the stopped one came back: a change, not a failover', () => {
    const timeline = [
      ...START,
      at(10_500, null),
      at(10_800, 'leader-0', '1.leader-0'),
      at(12_900, null),
      at(13_400, 'leader-1', '2.leader-1'),
    ];
    const [f] = failoverFigures(timeline, [pause(10_000, 'leader-0')], { observedUntilMs: 40_000 });
    expect(f).toMatchObject({ outcome: 'came-back', takeoverAfterMs: null, leaderChanges: 1 });
  });

  test('overlapping faults: each is watched until the next one', () => {
    const timeline = [
      ...START,
      at(10_010, null),
      at(11_200, 'leader-1', '2.leader-1'),
      at(13_050, null),
      at(14_300, 'leader-0', '3.leader-0'),
      at(16_000, 'leader-1', '4.leader-1'),
    ];
    const faults = [
      kill(10_000, 'leader-0'),
      pause(13_000, 'leader-1'),
      // The next fault hits an acceptor: not measured, but it ends the watch.
      kill(17_000, 'acceptor-1'),
    ];
    const figures = failoverFigures(timeline, faults, { observedUntilMs: 40_000 });
    expect(figures.map((f) => f.fault.target)).toEqual(['leader-0', 'leader-1']);
    expect(figures[0]).toMatchObject({
      takeoverAfterMs: 1_200,
      leaderChanges: 1,
      watchedMs: 3_000,
    });
    expect(figures[1]).toMatchObject({
      takeoverAfterMs: 1_300,
      leaderChanges: 2,
      watchedMs: 4_000,
    });
  });

  test('a fault of a leader that was not active, or before anyone took over, is not measured', () => {
    const timeline = [...START, at(10_010, null), at(12_000, 'leader-1', '2.leader-1')];
    const faults = [kill(10_000, 'leader-0'), pause(10_500, 'leader-1')];
    const figures = failoverFigures(timeline, faults, { observedUntilMs: 40_000 });
    expect(figures).toHaveLength(1);
    expect(figures[0]).toMatchObject({
      outcome: 'cut-short',
      takeoverAfterMs: null,
      watchedMs: 500,
    });
    // Other kinds of fault on the active leader are not measured either.
    const cut = { atMs: 5_000, target: 'leader-0', kind: 'partition' };
    expect(failoverFigures(START, [cut], { observedUntilMs: 40_000 })).toEqual([]);
  });

  test('the end of the recording ends the watch', () => {
    const timeline = [...START, at(10_010, null)];
    const [f] = failoverFigures(timeline, [kill(10_000, 'leader-0')], { observedUntilMs: 12_000 });
    expect(f).toMatchObject({ outcome: 'cut-short', watchedMs: 2_000 });
  });

  test('the chaos line', () => {
    const timeline = [
      ...START,
      at(10_010, null),
      at(11_000, 'leader-1', '2.leader-1'),
      at(20_010, null),
      at(21_300, 'leader-0', '3.leader-0'),
      at(30_010, null),
      at(30_400, 'leader-0', '3.leader-0'),
    ];
    const faults = [kill(10_000, 'leader-0'), pause(20_000, 'leader-1'), pause(30_000, 'leader-0')];
    const s = summarizeFailover(failoverFigures(timeline, faults, { observedUntilMs: 60_000 }));
    expect(failoverLine(s)).toBe(
      'failover: 3 faults stopped the active leader; another leader active after p50 1000 ms, ' +
        'max 1300 ms (2 of them); leader changes per fault: max 1; the stopped leader came back first after 1',
    );
    expect(failoverLine(summarizeFailover([]))).toBe(
      'failover: no fault stopped the active leader',
    );
  });
});

describe('the chaos run', () => {
  const record = (startMs: number, kind: FaultRecord['kind'], target: string, error?: string) => ({
    kind,
    target,
    what: `${kind} ${target}`,
    startMs,
    endMs: startMs + 1_000,
    ...(error ? { error } : {}),
  });

  test('faults of the data API, the database or another leader end the watch; acceptors do not', () => {
    const t0 = 1_000_000;
    const timeline = [
      at(t0, 'leader-0', '1.leader-0'),
      at(t0 + 10_020, null),
      at(t0 + 11_000, 'leader-1', '2.leader-1'),
      at(t0 + 16_000, 'leader-0', '3.leader-0'),
      at(t0 + 31_000, 'leader-1', '4.leader-1'),
    ];
    const log: FaultRecord[] = [
      record(10_000, 'kill', 'leader-0'),
      record(12_000, 'pause', 'acceptor-1'),
      record(14_000, 'db', 'postgres'),
      record(20_000, 'kill', 'leader-1'), // not the active leader
      record(22_000, 'kill', 'leader-1', 'no such process'), // not applied
      record(30_000, 'pause', 'neurelo'),
    ];
    const report = failoverReport(timeline, log, {
      t0,
      observedUntilMs: t0 + 60_000,
      isLeader: (name) => name.startsWith('leader-'),
    });
    expect(report.faults).toHaveLength(1);
    expect(report.faults[0]).toMatchObject({
      takeoverAfterMs: 1_000,
      leaderChanges: 1,
      watchedMs: 4_000,
    });
    expect(report.leaderChangesInRun).toBe(3);
    expect(report.line).toBe(
      'failover: 1 fault stopped the active leader; another leader active after p50 1000 ms, ' +
        'max 1000 ms; leader changes per fault: max 1; 2 other changes of leader in the run',
    );
    expect(report.timeline[1]).toEqual({ atMs: 10_020, leader: null, ballot: null });
  });
});

describe('the leadership recorder', () => {
  test('records each change of the active leader; a leader that stops answering is not active', async () => {
    let now = 0;
    const running = new Set(['leader-0', 'leader-1']);
    const answers = new Map<number, unknown>([
      [1, { state: { active: true, ballot: '1.leader-0' } }],
      [2, { state: { active: false, ballot: '2.leader-1' } }],
    ]);
    /** Ports whose requests hang (a paused process). */
    const hung = new Set<number>();
    const recorder = new LeadershipRecorder({
      leaders: () => [
        { name: 'leader-0', port: 1 },
        { name: 'leader-1', port: 2 },
      ],
      isRunning: (name) => running.has(name),
      clock: () => now,
      pollMs: 60_000, // driven by hand below
      staleMs: 500,
      read: (port) =>
        hung.has(port) ? new Promise(() => {}) : Promise.resolve(answers.get(port) ?? null),
    });
    const settle = () => new Promise((r) => setImmediate(r));
    const tick = async (ms: number) => {
      now += ms;
      recorder.pollOnce();
      await settle();
    };
    recorder.start();
    await settle();
    expect(recorder.current).toMatchObject({ leader: 'leader-0', ballot: '1.leader-0' });

    hung.add(1); // leader-0 paused
    await tick(100); // asks (no answer)
    await tick(100);
    expect(recorder.current?.leader).toBe('leader-0');
    await tick(500); // its request is now 600 ms old
    expect(recorder.current).toMatchObject({ atMs: 700, leader: null });

    answers.set(2, { state: { active: true, ballot: '2.leader-1' } });
    await tick(100);
    expect(recorder.current).toMatchObject({ atMs: 800, leader: 'leader-1' });

    running.delete('leader-1'); // killed
    await tick(100);
    expect(recorder.current).toMatchObject({ atMs: 900, leader: null });
    const end = recorder.stop();
    expect(end).toBe(900);
    expect(recorder.timeline.map((c) => c.leader)).toEqual([
      null,
      'leader-0',
      null,
      'leader-1',
      null,
    ]);
  });
});
