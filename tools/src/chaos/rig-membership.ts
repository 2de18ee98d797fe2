import type { Members } from '@paxos/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fleet } from '../fleet/fleet';
import { replaceMember, type FleetControl } from '../fleet/member-ops';
import { currentConfiguration, roleOf, type ConfigView } from '../fleet/membership';
import { probe } from '../fleet/service-process';
import type { ServiceSpec } from '../fleet/topology';
import { describePlace, type MemberPlace } from './replacement-order';

/**
 * The budget of each step of a replacement (settled, started, decided, in force, retired, rows
 * retired): generous, since kills, pauses and database crashes go on meanwhile.
 */
export const REPLACE_STEP_TIMEOUT_MS = 60_000;

/** A replacement that failed, and whether the configuration without the old member was decided. */
export class ReplacementError extends Error {
  constructor(
    message: string,
    readonly decided: boolean,
  ) {
    super(message);
    this.name = 'ReplacementError';
  }
}

const urlOf = (s: ServiceSpec): string => `http://127.0.0.1:${s.port}`;

/**
 * The chaos rig's membership: replaces members the way `fleet replace` does (member-ops.ts) on
 * the rig's processes, and keeps track of who holds each place, so that faults and clients
 * follow a replacement. At most one replacement runs at a time (the nemesis sees to that).
 */
export class RigMembership {
  /**
   * The replicas the clients send to, one per place: a replaced replica's URL becomes its
   * successor's when it is stopped for good. Clients hold this array, so they follow.
   */
  readonly replicaUrls: string[];
  /** Members stopped for good, and who took each one's place. */
  private readonly retired = new Set<string>();
  private readonly successors = new Map<string, string>();
  /** The member the replacement under way started. */
  private newcomer: ServiceSpec | null = null;

  constructor(
    private readonly fleet: Fleet,
    /** Puts a new member within the faults' reach (proxy, clock) before it starts. */
    private readonly wire: (spec: ServiceSpec) => Promise<void>,
  ) {
    this.replicaUrls = fleet.named('replica').map(urlOf);
  }

  isRetired(name: string): boolean {
    return this.retired.has(name);
  }

  /** The members the fleet started with. */
  initialMembers(): Members {
    const names = (kind: ServiceSpec['kind']) => this.fleet.named(kind).map((s) => s.name);
    return { acceptors: names('acceptor'), leaders: names('leader'), replicas: names('replica') };
  }

  /** Who holds `name`'s place now: itself, or the member that replaced it (and so on). */
  occupantOf(name: string): string {
    let n = name;
    for (let next = this.successors.get(n); next !== undefined; next = this.successors.get(n)) {
      n = next;
    }
    return n;
  }

  /**
   * The replicas of the configuration in force (the ones that must converge); every replica
   * service when none answers GET /config.
   */
  async memberReplicas(): Promise<ServiceSpec[]> {
    const all = this.fleet.named('replica');
    const c = await currentConfiguration(all.map(urlOf));
    if (!c) return all;
    const members = all.filter((s) => c.inForce.replicas.includes(s.name));
    return members.length > 0 ? members : all;
  }

  /**
   * Replaces the member at `place` by a fresh one with a new id: started wired like the others,
   * reconfigured in, the old one stopped for good and its rows retired. Throws a
   * ReplacementError saying whether the change was decided.
   */
  async replaceAt(
    place: MemberPlace,
    log: (line: string) => void,
  ): Promise<{ oldId: string; newId: string }> {
    const settled = await this.settledConfiguration();
    const list = { acceptor: 'acceptors', leader: 'leaders', replica: 'replicas' } as const;
    const oldId = settled[list[place.role]][place.index];
    if (oldId === undefined) {
      throw new ReplacementError(`no ${describePlace(place)} in e${settled.epoch}`, false);
    }
    log(`replacing ${oldId} (${describePlace(place)}) of e${settled.epoch}`);
    try {
      const newId = await replaceMember(this.control(), oldId, {
        stepTimeoutMs: REPLACE_STEP_TIMEOUT_MS,
        log,
      });
      return { oldId, newId };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`replacing ${oldId} failed: ${message}`);
      const now = await currentConfiguration(this.fleet.named('replica').map(urlOf));
      const latest = now && (now.pending ?? now.inForce);
      throw new ReplacementError(message, !!latest && roleOf(latest, oldId) === null);
    } finally {
      this.newcomer = null;
    }
  }

  /** The configuration in force once nothing is pending (a change under way is waited for). */
  private async settledConfiguration(): Promise<ConfigView> {
    const deadline = Date.now() + REPLACE_STEP_TIMEOUT_MS;
    for (;;) {
      const c = await currentConfiguration(this.fleet.named('replica').map(urlOf));
      if (c && c.pending === null) return c.inForce;
      if (Date.now() > deadline) {
        throw new ReplacementError(
          c ? `epoch ${c.pending?.epoch} still pending` : 'no replica answers GET /config',
          false,
        );
      }
      await sleep(250);
    }
  }

  /** The fleet as member-ops.ts drives it, with the rig's wiring and supervision. */
  private control(): FleetControl {
    const fleet = this.fleet;
    return {
      services: () => fleet.services,
      retiredIds: () => [...this.retired],
      basePort: fleet.options.basePort,
      adminKey: fleet.adminKey,
      apiBase: fleet.apiBase,
      apiKey: fleet.apiKey,
      startNew: async (spec) => {
        await this.wire(spec);
        this.newcomer = spec;
        fleet.addService(spec);
        // Not Fleet.waitReady: the nemesis may kill the newcomer while it starts (it is a
        // target at once), and its restart is the nemesis's or the supervisor's.
        const deadline = Date.now() + REPLACE_STEP_TIMEOUT_MS;
        while (!(await probe(spec.kind, spec.port))) {
          if (Date.now() > deadline) throw new Error(`${spec.name} not ready`);
          await sleep(200);
        }
      },
      stopForGood: async (name) => {
        this.handOver(name);
        this.retired.add(name);
        await fleet.retire(name);
      },
    };
  }

  /** `name` leaves for good: its place (and the clients' URL of a replica) goes to the newcomer. */
  private handOver(name: string): void {
    const successor = this.newcomer;
    if (!successor) return;
    this.successors.set(name, successor.name);
    const old = this.fleet.services.find((s) => s.name === name);
    if (old?.kind === 'replica' && successor.kind === 'replica') {
      const at = this.replicaUrls.indexOf(urlOf(old));
      if (at >= 0) this.replicaUrls[at] = urlOf(successor);
    }
  }
}
