import type { Members } from '@paxos/shared';
import type { MemberRole } from '../fleet/membership';

/**
 * A place in the configuration: the `index`-th acceptor, leader or replica. A replacement puts
 * the new member in the old one's place (membership.ts planReplace), so a place keeps its index
 * while its occupant changes: `acceptor 1` is acceptor-1, then acceptor-3 once it replaced it.
 */
export interface MemberPlace {
  role: MemberRole;
  index: number;
}

/**
 * The order in which the reconfigure fault replaces members: every initial acceptor in turn (in
 * an order drawn from the nemesis's stream), then one replica and one leader, then the same
 * places again, their newer occupants this time. Drawn once, when the schedule is made, so a
 * seed gives the same order. A place is left only once its replacement was decided: a failed
 * attempt that changed nothing is tried again at the same place.
 */
export class ReplacementOrder {
  private readonly places: readonly MemberPlace[];
  private at = 0;

  constructor(initial: Members, random: () => number) {
    const pick = (n: number) => Math.floor(random() * n);
    const acceptors = initial.acceptors.map((_, index) => index);
    for (let i = acceptors.length - 1; i > 0; i--) {
      const j = pick(i + 1);
      [acceptors[i], acceptors[j]] = [acceptors[j]!, acceptors[i]!];
    }
    this.places = [
      ...acceptors.map((index): MemberPlace => ({ role: 'acceptor', index })),
      { role: 'replica', index: pick(initial.replicas.length) },
      { role: 'leader', index: pick(initial.leaders.length) },
    ];
  }

  /** The place the next replacement is for. */
  peek(): MemberPlace {
    return this.places[this.at % this.places.length]!;
  }

  /** The replacement at peek() was decided: the next one goes to the next place. */
  advance(): void {
    this.at += 1;
  }

  /** The first `n` places, for a log line and the tests. */
  preview(n: number): MemberPlace[] {
    return Array.from({ length: n }, (_, i) => this.places[(this.at + i) % this.places.length]!);
  }
}

export const describePlace = (p: MemberPlace): string => `${p.role} ${p.index}`;
