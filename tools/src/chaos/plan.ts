import { LIMITS, type Members } from '@paxos/shared';
import type { CutMode } from './fault-proxy';
import type { FaultKind } from './faults';
import { ReplacementOrder } from './replacement-order';

/**
 * The nemesis's schedule, drawn from its own random stream and nothing else: the same seed
 * gives the same faults at the same offsets on the same targets whatever the clients do, so
 * `--seed N` replays a schedule. Pure; the nemesis (nemesis.ts) carries it out.
 */
export type FaultAction =
  | { kind: 'kill' }
  | { kind: 'pause' }
  | { kind: 'partition'; mode: CutMode }
  | { kind: 'clock'; jumpS: number }
  | { kind: 'clock'; rate: number }
  | { kind: 'db' }
  /** Replace the member at the replacement order's next place by a new one (nemesis.ts). */
  | { kind: 'reconfigure' };

export interface PlannedFault {
  /** Milliseconds from the start of the faults. */
  atMs: number;
  target: string;
  durationMs: number;
  action: FaultAction;
}

export interface PlanOptions {
  faults: readonly FaultKind[];
  /**
   * Who each kind may hit now (the membership changes under the reconfigure fault); a kind
   * with no target when the planner is made is never planned.
   */
  targets: () => Readonly<Record<FaultKind, readonly string[]>>;
  /** The initial members, for the reconfigure fault's replacement order. */
  members?: Members;
  /** Pause between one fault's start and the next one's. */
  gapMs: readonly [number, number];
  /** Faults in force at once, at most. */
  maxActive: number;
  /** Pauses and partitions last up to a few leader timeouts. */
  leaderTimeoutMs: number;
  random: () => number;
}

/** How long each kind lasts, and its details; every bound of a fault in one place. */
export const FAULT_BOUNDS = {
  killDownMs: [500, 3_500],
  /** In leader timeouts: long enough for another leader to be elected, then resumed. */
  pauseLeaderTimeouts: [0.5, 4],
  partitionLeaderTimeouts: [1, 4],
  clockMs: [3_000, 10_000],
  clockJumpS: [1, 8],
  dbDownMs: [1_000, 5_000],
} as const;

export class FaultPlanner {
  private atMs = 0;
  private round: FaultKind[] = [];
  /** When each target's fault, and each planned fault, ends. */
  private readonly busyUntil = new Map<string, number>();
  private ends: number[] = [];
  private readonly kinds: FaultKind[];
  /** Where the reconfigure fault replaces members, in turn; null without that fault. */
  readonly replacements: ReplacementOrder | null;

  constructor(private readonly o: PlanOptions) {
    const targets = o.targets();
    this.kinds = o.faults.filter((k) => targets[k].length > 0);
    // Drawn first and only with the fault, so the other kinds' schedule of a seed is unchanged.
    if (!this.kinds.includes('reconfigure')) this.replacements = null;
    else if (!o.members) throw new Error('the reconfigure fault needs the initial members');
    else this.replacements = new ReplacementOrder(o.members, o.random);
  }

  get plannedKinds(): readonly FaultKind[] {
    return this.kinds;
  }

  /** The next fault, or null when no kind has a target. */
  next(): PlannedFault | null {
    if (this.kinds.length === 0) return null;
    const r = this.o.random;
    const previous = { atMs: this.atMs, ends: this.ends };
    this.atMs += Math.round(between(r(), this.o.gapMs));
    this.ends = this.ends.filter((e) => e > this.atMs).sort((a, b) => a - b);
    if (this.ends.length >= this.o.maxActive) {
      this.atMs = this.ends[this.ends.length - this.o.maxActive]!;
      this.ends = this.ends.filter((e) => e > this.atMs);
    }
    // Each kind once per round, in a shuffled order: every kind gets its share.
    if (this.round.length === 0) this.round = shuffle(roundOf(this.kinds), r);
    const kind = this.round.shift()!;
    const targets = this.o.targets()[kind];
    const free = targets.filter((t) => (this.busyUntil.get(t) ?? 0) <= this.atMs);
    const pool = free.length > 0 ? free : targets;
    const target = pool[Math.floor(r() * pool.length)]!;
    if (kind === 'reconfigure') {
      // A reconfiguration takes as long as it takes (the nemesis runs one at a time), and the
      // other faults go on meanwhile, on its members too: it takes no gap, no target and no
      // place among the faults in force, so they keep the pace they have without it.
      this.atMs = previous.atMs;
      this.ends = previous.ends;
      return { atMs: previous.atMs, target, durationMs: 0, action: { kind } };
    }
    const { action, durationMs } = this.draw(kind);
    const start = Math.max(this.atMs, this.busyUntil.get(target) ?? 0);
    this.busyUntil.set(target, start + durationMs);
    this.ends.push(start + durationMs);
    return { atMs: start, target, durationMs, action };
  }

  private draw(kind: Exclude<FaultKind, 'reconfigure'>): {
    action: FaultAction;
    durationMs: number;
  } {
    const r = this.o.random;
    const lt = this.o.leaderTimeoutMs;
    switch (kind) {
      case 'kill':
        return { action: { kind }, durationMs: Math.round(between(r(), FAULT_BOUNDS.killDownMs)) };
      case 'pause':
        return {
          action: { kind },
          durationMs: Math.round(lt * between(r(), FAULT_BOUNDS.pauseLeaderTimeouts)),
        };
      case 'partition':
        return {
          action: { kind, mode: r() < 0.5 ? 'drop' : 'reset' },
          durationMs: Math.round(lt * between(r(), FAULT_BOUNDS.partitionLeaderTimeouts)),
        };
      case 'clock': {
        const durationMs = Math.round(between(r(), FAULT_BOUNDS.clockMs));
        if (r() < 0.5) {
          const size = Math.round(between(r(), FAULT_BOUNDS.clockJumpS) * 10) / 10;
          return { action: { kind, jumpS: r() < 0.5 ? size : -size }, durationMs };
        }
        // Within the drift bound, and at least half of it: fast or slow enough to matter.
        const drift = LIMITS.clockRateErrorMax * between(r(), [0.5, 1]);
        return { action: { kind, rate: r() < 0.5 ? 1 + drift : 1 - drift }, durationMs };
      }
      case 'db':
        return { action: { kind }, durationMs: Math.round(between(r(), FAULT_BOUNDS.dbDownMs)) };
    }
  }
}

/**
 * One round of kinds: each once, and the reconfigure fault once per two others (at least once),
 * so that replacements come about as fast as they complete (~10 s) while the other faults keep
 * their pace.
 */
export function roundOf(kinds: readonly FaultKind[]): FaultKind[] {
  const others = kinds.filter((k) => k !== 'reconfigure');
  if (others.length === kinds.length) return [...kinds];
  const reconfigurations = Math.max(1, Math.ceil(others.length / 2));
  return [...others, ...Array.from({ length: reconfigurations }, () => 'reconfigure' as const)];
}

function between(u: number, [lo, hi]: readonly [number, number]): number {
  return lo + u * (hi - lo);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** One line of the fault log: `pause leader-0`, `clock replica-1 jump -3.2 s`, ... */
export function describeFault(f: Pick<PlannedFault, 'target' | 'action'>): string {
  const a = f.action;
  switch (a.kind) {
    case 'partition':
      return `partition ${f.target === 'neurelo' ? 'neurelo <-/-> postgres' : `${f.target} <-/-> data API`} (${a.mode})`;
    case 'clock':
      return 'jumpS' in a
        ? `clock ${f.target} jumps ${a.jumpS > 0 ? '+' : ''}${a.jumpS} s`
        : `clock ${f.target} runs at x${a.rate.toFixed(3)}`;
    case 'db':
      return 'db crash (pg_ctl -m immediate), restart';
    case 'reconfigure':
      return 'reconfigure';
    default:
      return `${a.kind} ${f.target}`;
  }
}
