import { setTimeout as sleep } from 'node:timers/promises';
import { wallClock } from '../workload/run-clients';
import { ALL_FAULTS, type FaultKind } from './faults';
import { FaultPlanner, describeFault, type PlannedFault } from './plan';
import type { ChaosRig } from './rig';

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
 * duration, then heals whatever is left. Every fault is logged with its times.
 */
export class Nemesis {
  readonly log: FaultRecord[] = [];
  private readonly planner: FaultPlanner;
  private readonly running = new Set<Promise<void>>();
  /** Each target's fault in progress: the next one on it waits (a restart can outlast the plan). */
  private readonly onTarget = new Map<string, Promise<void>>();

  constructor(
    private readonly rig: ChaosRig,
    private readonly o: NemesisOptions,
  ) {
    this.planner = new FaultPlanner({
      faults: o.faults,
      targets: rig.targets(),
      gapMs: o.gapMs,
      maxActive: o.maxActive ?? 2,
      leaderTimeoutMs: rig.leaderTimeoutMs,
      random: o.random,
    });
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
      const before = this.onTarget.get(next.target) ?? Promise.resolve();
      const run = before.then(() => this.carryOut(next)).finally(() => this.running.delete(run));
      this.running.add(run);
      this.onTarget.set(next.target, run);
    }
    await Promise.all([...this.running]);
    this.rig.healAll();
  }

  counts(): Record<FaultKind, number> {
    const counts = Object.fromEntries(ALL_FAULTS.map((k) => [k, 0])) as Record<FaultKind, number>;
    for (const r of this.log) if (!r.error) counts[r.kind] += 1;
    return counts;
  }

  /** `t+12.3s..15.1s pause leader-0` lines. */
  lines(): string[] {
    const s = (ms: number) => (ms / 1000).toFixed(1);
    return this.log.map(
      (r) =>
        `t+${s(r.startMs)}s..${r.endMs === null ? '?' : `${s(r.endMs)}s`} ${r.what}${r.error ? ` FAILED: ${r.error}` : ''}`,
    );
  }

  private async carryOut(f: PlannedFault): Promise<void> {
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
    }
  }
}

async function sleepUnless(ms: number, shouldStop: () => boolean): Promise<void> {
  const until = wallClock() + ms;
  while (!shouldStop() && wallClock() < until) await sleep(Math.min(250, until - wallClock()));
}
