import type { Message, Role } from '@paxos/shared';
import type { ShellCore } from '@paxos/runtime';

/** A claimed row a process holds: what it carried, for dead-letter checks and redelivery. */
export interface HeldRow {
  from: string;
  message: Message;
  /** The row's text, as claimed: a released row is claimed again with the same text. */
  payload: string;
}

/**
 * One simulated Paxos process: a pure role run through the real service shell's core
 * (ShellCore), which holds the role's state. `state` mirrors the core's after every drain
 * (null while crashed); the durable rows live in the simulated data API, which is all that
 * survives a crash. `tickToken` invalidates timer events scheduled by an earlier state or an
 * earlier life.
 */
export class SimProcess<K extends string, S, C> {
  state: S | null = null;
  core: ShellCore<S, C> | null = null;
  /** The epoch of the current incarnation (0: never started). */
  epoch = 0;
  /** Claimed rows by id, until acked, dead-lettered or released. */
  readonly held = new Map<string, HeldRow>();
  tickToken = 0;
  /** Bumped by each crash: writes of an earlier life still in flight are lost (persistLater). */
  life = 0;
  /** When this process's last background commit lands: later ones never overtake it. */
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

  /** Drops the core: its state and everything it held or had in flight. */
  crash(): void {
    this.state = null;
    this.core = null;
    this.held.clear();
    this.life++;
    this.tickToken++;
    this.tickAtMs = null;
  }
}
