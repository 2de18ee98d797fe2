import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { wallClock } from '../workload/run-clients';
import { FAULT_KINDS, type FaultKind } from './faults';
import { FaultPlanner, describeFault, type PlannedFault } from './plan';
import { describePlace } from './replacement-order';
import type { ChaosRig } from './rig';
import { ReplacementError } from './rig-membership';

export interface FaultRecord {
  kind: FaultKind;
  target: string;
  what: string;
  /** Milliseconds from the nemesis's t0 when the fault began and when it was healed. */
  startMs: number;
  endMs: number | null;
  error?: string;
}

export interface NemesisOptions {
  faults: readonly FaultKind[];
  /** The nemesis's own random stream (the schedule depends on nothing else). */
  random: () => number;
  /** wallClock() at the start of the faults. */
  t0: number;
  /** Pause between fault starts: [2000, 5000] for chaos, longer for a soak. */
  gapMs: readonly [number, number];
  /** Faults in force at once, at most (default 2). */
  maxActive?: number;
  /** Called with each fault as it begins (a progress line). */
  onFault?: (r: FaultRecord) => void;
}

/**
 * Carries out the planner's schedule on a rig until told to stop, healing each fault after its
 * duration, then heals whatever is left. Every fault is logged with its times. Reconfigurations
 * run one at a time, each to its end, while the other faults go on around them (their steps are
 * logged in the run's membership.log).
 */
export class Nemesis {
  readonly log: FaultRecord[] = [];
  private readonly planner: FaultPlanner;
  private readonly running = new Set<Promise<void>>();
  /** Each target's fault in progress: the next one on it waits (a restart can outlast the plan). */
  private readonly onTarget = new Map<string, Promise<void>>();
  /** The reconfiguration under way (or done), and whether the next one already waits for it. */
  private lastReconfiguration: Promise<void> = Promise.resolve();
  private reconfigurationWaiting = false;
  private reconfigurationRunning = false;
  readonly membershipLog: string;

  constructor(
    private readonly rig: ChaosRig,
    private readonly o: NemesisOptions,
  ) {
    this.planner = new FaultPlanner({
      faults: o.faults,
      targets: () => rig.targets(),
      members: rig.membership.initialMembers(),
      gapMs: o.gapMs,
      maxActive: o.maxActive ?? 2,
      leaderTimeoutMs: rig.leaderTimeoutMs,
      random: o.random,
    });
    this.membershipLog = path.join(rig.fleet.options.workDir, 'membership.log');
  }

  /** The kinds this rig can run of those asked for. */
  get kinds(): readonly FaultKind[] {
    return this.planner.plannedKinds;
  }

  async run(shouldStop: () => boolean): Promise<void> {
    for (;;) {
      const next = this.planner.next();
      if (!next) break;
      const waitMs = this.o.t0 + next.atMs - wallClock();
      if (waitMs > 0) await sleepUnless(waitMs, shouldStop);
      if (shouldStop()) break;
      if (next.action.kind === 'reconfigure') {
        this.queueReconfiguration(next, shouldStop);
        continue;
      }
      // Planned on a member that has been replaced since: its successor takes the fault.
      const fault = { ...next, target: this.rig.membership.occupantOf(next.target) };
      const before = this.onTarget.get(fault.target) ?? Promise.resolve();
      const run = before.then(() => this.carryOut(fault)).finally(() => this.running.delete(run));
      this.running.add(run);
      this.onTarget.set(fault.target, run);
    }
    await Promise.all([...this.running]);
    this.rig.healAll();
  }

  counts(): Record<FaultKind, number> {
    const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    for (const r of this.log) if (!r.error) counts[r.kind] += 1;
    return counts;
  }

  /** Replacements carried out to their end (decided, in force, old member and rows retired). */
  get reconfigurations(): number {
    return this.counts().reconfigure;
  }

  /** Whether a reconfiguration is under way (one may run on after the faults stop). */
  get reconfiguring(): boolean {
    return this.reconfigurationRunning;
  }

  /** The replacement order's next places (a line of the run's header). */
  replacementPreview(n: number): string | null {
    const order = this.planner.replacements;
    return order ? order.preview(n).map(describePlace).join(', ') : null;
  }

  /**
   * One reconfiguration at a time, and at most one waiting for it: the plan asks for them more
   * often than one completes, so the next starts as soon as one ends, and a longer backlog
   * would only run on after the faults stop.
   */
  private queueReconfiguration(f: PlannedFault, shouldStop: () => boolean): void {
    if (this.reconfigurationWaiting) return;
    this.reconfigurationWaiting = true;
    const run = this.lastReconfiguration
      .then(async () => {
        this.reconfigurationWaiting = false;
        if (!shouldStop()) await this.reconfigure(f);
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
    this.lastReconfiguration = run;
  }

  /** Replaces the member at the replacement order's next place; moves on once it was decided. */
  private async reconfigure(f: PlannedFault): Promise<void> {
    const order = this.planner.replacements!;
    const place = order.peek();
    const record: FaultRecord = {
      kind: 'reconfigure',
      target: f.target,
      what: `reconfigure: replace ${describePlace(place)}`,
      startMs: wallClock() - this.o.t0,
      endMs: null,
    };
    this.log.push(record);
    this.o.onFault?.(record);
    this.reconfigurationRunning = true;
    const log = (line: string) =>
      appendFileSync(
        this.membershipLog,
        `t+${((wallClock() - this.o.t0) / 1000).toFixed(1)}s ${line}\n`,
      );
    try {
      const { oldId, newId } = await this.rig.membership.replaceAt(place, log);
      record.what = `reconfigure: ${oldId} replaced by ${newId}`;
      order.advance();
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
      if (err instanceof ReplacementError && err.decided) order.advance();
    }
    this.reconfigurationRunning = false;
    record.endMs = wallClock() - this.o.t0;
  }

  /** `t+12.3s..15.1s pause leader-0` lines. */
  lines(): string[] {
    const s = (ms: number) => (ms / 1000).toFixed(1);
    return this.log.map(
      (r) =>
        `t+${s(r.startMs)}s..${r.endMs === null ? '?' : `${s(r.endMs)}s`} ${r.what}${r.error ? ` FAILED: ${r.error}` : ''}`,
    );
  }

  private async carryOut(planned: PlannedFault): Promise<void> {
    // Its target may have been replaced while this fault waited for the one before it.
    const f = { ...planned, target: this.rig.membership.occupantOf(planned.target) };
    const record: FaultRecord = {
      kind: f.action.kind,
      target: f.target,
      what: describeFault(f),
      startMs: wallClock() - this.o.t0,
      endMs: null,
    };
    this.log.push(record);
    this.o.onFault?.(record);
    try {
      const heal = await this.apply(f);
      await sleep(f.durationMs);
      await heal();
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    record.endMs = wallClock() - this.o.t0;
  }

  /** Applies a fault; returns what heals it. */
  private async apply(f: PlannedFault): Promise<() => Promise<void> | void> {
    const rig = this.rig;
    const a = f.action;
    switch (a.kind) {
      case 'kill':
        await rig.kill(f.target);
        return () => rig.start(f.target);
      case 'pause':
        rig.pause(f.target);
        return () => rig.resume(f.target);
      case 'partition':
        rig.cutLink(f.target, a.mode);
        return () => rig.healLink(f.target);
      case 'clock': {
        const clock = rig.clock(f.target);
        if ('jumpS' in a) clock.jump(a.jumpS);
        else clock.runAt(a.rate);
        return () => clock.reset();
      }
      case 'db':
        await rig.crashDatabase();
        return () => rig.startDatabase();
      case 'reconfigure':
        throw new Error('a reconfiguration is not a fault with a duration (see reconfigure())');
    }
  }
}

async function sleepUnless(ms: number, shouldStop: () => boolean): Promise<void> {
  const until = wallClock() + ms;
  while (!shouldStop() && wallClock() < until) await sleep(Math.min(250, until - wallClock()));
}
