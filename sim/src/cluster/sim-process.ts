import type { DurableEntry, Role } from '@paxos/shared';

/**
 * One simulated Paxos process: a pure role, its in-memory state (null while crashed) and its
 * durable map, which is all that survives a crash. `tickToken` invalidates timer events
 * scheduled by an earlier state or an earlier life.
 */
export class SimProcess<K extends string, S, C> {
  state: S | null = null;
  durable = new Map<string, DurableEntry>();
  tickToken = 0;
  /** Bumped by each crash: writes of an earlier life still in flight are lost (persistLater). */
  life = 0;
  /** When this process's last persistLater batch lands: later ones never overtake it. */
  laterLandsAtMs = 0;
  /** When the currently scheduled tick fires (null: none scheduled). */
  tickAtMs: number | null = null;

  constructor(
    readonly kind: K,
    readonly id: string,
    readonly role: Role<S, C>,
    readonly config: C,
  ) {}

  get up(): boolean {
    return this.state !== null;
  }

  crash(): void {
    this.state = null;
    this.life++;
    this.tickToken++;
    this.tickAtMs = null;
  }
}
