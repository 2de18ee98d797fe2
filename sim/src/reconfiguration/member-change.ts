import type { Configuration, Members } from '@paxos/shared';
import type { MemberRole } from '../cluster/sim-cluster';
import type { Prng } from '../random/prng';
import type { MemberPick, PlanStep } from './plan';

/** What one reconfiguration changes: the members it asks for, who joins, who leaves. */
export interface MemberChange {
  target: Members;
  joining: Array<{ kind: MemberRole; id: string }>;
  leaving: string[];
}

const LIST_OF: Record<MemberRole, keyof Members> = {
  acceptor: 'acceptors',
  leader: 'leaders',
  replica: 'replicas',
};

/**
 * The change a plan step makes to `current` (the newest configuration), or null when it cannot
 * apply (removing a replica from two: the fleet would lose its last margin). A replacement takes
 * the old member's place in the list, so a leader's position (who scouts first) carries over.
 * `newId` names a new member: a new id, never an old one (a process that lost its state must
 * not rejoin as itself).
 */
export function memberChange(
  current: Configuration,
  step: Exclude<PlanStep, { kind: 'outage' }>,
  initial: Members,
  rng: Prng,
  newId: (kind: MemberRole) => string,
): MemberChange | null {
  const list = LIST_OF[step.role];
  const target: Members = {
    acceptors: [...current.acceptors],
    leaders: [...current.leaders],
    replicas: [...current.replicas],
  };
  const members = target[list];
  if (step.kind === 'add') {
    const id = newId(step.role);
    members.push(id);
    return { target, joining: [{ kind: step.role, id }], leaving: [] };
  }
  if (step.kind === 'remove' && members.length < 3) return null;
  const old = pickMember(members, initial[list], step.pick, rng);
  const at = members.indexOf(old);
  if (step.kind === 'remove') {
    members.splice(at, 1);
    return { target, joining: [], leaving: [old] };
  }
  const id = newId(step.role);
  members[at] = id;
  return { target, joining: [{ kind: step.role, id }], leaving: [old] };
}

function pickMember(
  members: readonly string[],
  initial: readonly string[],
  pick: MemberPick,
  rng: Prng,
): string {
  if (pick === 'oldest') {
    const original = members.find((id) => initial.includes(id));
    if (original !== undefined) return original;
  }
  return rng.pick(members);
}
