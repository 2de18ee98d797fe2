import type { MemberRole } from '../cluster/sim-cluster';
import type { Prng } from '../random/prng';

/**
 * Which seeds reconfigure: `auto`, most seeds (drawn from the seed), so the fixed membership
 * of plain PMMC keeps being covered too; `always`, every seed; `never`, none.
 */
export type ReconfigureMode = 'auto' | 'always' | 'never';

/** In `auto` mode, the share of seeds that reconfigure. */
const RECONFIGURE_CHANCE = 0.75;

/** Which member a change picks: the first one of the initial configuration still serving, or any. */
export type MemberPick = 'oldest' | 'random';

/**
 * One step of an operator's plan. Each but `outage` is one reconfiguration, done as
 * `npm run fleet -- replace|add|remove` does it: new members start first (a new id, empty
 * state), then the change is submitted to a replica and awaited, and the members that left are
 * stopped for good once the new configuration is in force, their slots are collected and the
 * staying replicas hold what was collected.
 */
export type PlanStep =
  | { kind: 'replace'; role: MemberRole; pick: MemberPick }
  | { kind: 'add'; role: 'replica' }
  | { kind: 'remove'; role: 'replica'; pick: MemberPick }
  /** A replica down this long (no reconfiguration): it comes back below the horizon. */
  | { kind: 'outage'; role: 'replica'; downMs: number };

export interface ReconfigurationPlan {
  scenario: string;
  /** When the first step begins, and the pause after each step. */
  firstAtMs: number;
  pauseMs: { min: number; max: number };
  steps: PlanStep[];
}

/**
 * The scenarios, one per seed. Together they cover replacing every acceptor one at a time (so a
 * majority of the original acceptors is replaced), replacing a leader, adding, removing and
 * replacing replicas, and a replica down through many garbage collections (with three replicas
 * the horizon passes it: it must catch up by state transfer).
 */
const SCENARIOS: Record<string, (acceptors: number, rng: Prng) => PlanStep[]> = {
  'replace-every-acceptor': (acceptors) =>
    Array.from({ length: acceptors }, () => ({
      kind: 'replace' as const,
      role: 'acceptor' as const,
      pick: 'oldest' as const,
    })),
  'replace-leader-and-replica': () => [
    { kind: 'replace', role: 'leader', pick: 'random' },
    { kind: 'replace', role: 'replica', pick: 'random' },
  ],
  'grow-outage-shrink': (_acceptors, rng) => [
    { kind: 'add', role: 'replica' },
    { kind: 'outage', role: 'replica', downMs: rng.intBetween(1_800, 2_800) },
    { kind: 'remove', role: 'replica', pick: 'random' },
  ],
  mixed: () => [
    { kind: 'replace', role: 'acceptor', pick: 'random' },
    { kind: 'add', role: 'replica' },
    { kind: 'replace', role: 'leader', pick: 'random' },
    { kind: 'remove', role: 'replica', pick: 'oldest' },
    { kind: 'replace', role: 'acceptor', pick: 'random' },
  ],
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);

/** The seed's plan, or null when it keeps its membership. */
export function drawPlan(
  rng: Prng,
  mode: ReconfigureMode,
  acceptors: number,
): ReconfigurationPlan | null {
  const on = mode === 'always' || (mode === 'auto' && rng.chance(RECONFIGURE_CHANCE));
  if (!on) return null;
  const scenario = rng.pick(SCENARIO_NAMES);
  return {
    scenario,
    firstAtMs: rng.intBetween(50, 500),
    pauseMs: { min: 20, max: 300 },
    steps: SCENARIOS[scenario]!(acceptors, rng),
  };
}

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'replace':
      return `replace a${step.pick === 'oldest' ? 'n original' : ''} ${step.role}`;
    case 'add':
      return `add a ${step.role}`;
    case 'remove':
      return `remove a${step.pick === 'oldest' ? 'n original' : ''} ${step.role}`;
    case 'outage':
      return `a ${step.role} down for ${step.downMs} ms`;
  }
}
