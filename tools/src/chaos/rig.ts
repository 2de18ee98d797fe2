import { defaultLeaderTimings } from '@paxos/leader/src/role/config';
import {
  createScratchDatabase,
  databaseUrlFor,
  dropScratchDatabase,
} from '@paxos/neurelo-local/src/db/scratch-database';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { migrateVariant } from '../bench/variants';
import { setTimeout as sleep } from 'node:timers/promises';
import { Fleet } from '../fleet/fleet';
import { probe } from '../fleet/service-process';
import { defaultFleetOptions, type ServiceSpec } from '../fleet/topology';
import { ClockControl, findLibfaketime } from './clock-control';
import { FaultProxy, type CutMode } from './fault-proxy';
import type { BrokenConfiguration, FaultKind } from './faults';
import { PrivatePostgres } from './private-postgres';
import { RigMembership } from './rig-membership';

export interface RigOptions {
  faults: readonly FaultKind[];
  broken?: BrokenConfiguration | undefined;
  /** The fleet's folder under .fleet/ (logs, PGlite, clock files). */
  name?: string;
  /** Role settings over the rig's short timings. */
  roleEnv?: Record<string, string>;
}

/**
 * Short retry timings so that recovery fits in a short run. The leaders' failure detection is
 * the production default's (what the chaos run measures failover with).
 */
export const CHAOS_ROLE_ENV: Readonly<Record<string, string>> = {
  LEADER_TIMEOUT_MS: String(defaultLeaderTimings.leaderTimeoutMs),
  LEADER_HEARTBEAT_MS: String(defaultLeaderTimings.heartbeatMs),
  REPLICA_RETRY_MS: '1500',
  LEADER_RETRANSMIT_MS: '1500',
};

/** The replicas' entry point in the local-reads broken configuration. */
const LOCAL_READ_REPLICA = 'tools/src/chaos/broken/local-read-replica.ts';
const DATABASE_NAME = 'paxos_chaos';
/** Broken configurations that are schema variants (neurelo/variants/<name>). */
const VARIANTS: readonly BrokenConfiguration[] = [
  'unlogged-queue',
  'unlogged-state',
  'async-commit',
];
/** How long a service that exited by itself stays down before it is started again. */
export const RESTART_DELAY_MS = 1_000;
/** The reconfigure fault's one target: it picks its member itself (replacement-order.ts). */
export const MEMBERSHIP_TARGET = 'membership';

export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: string | null;
  atMs: number;
  /** Its log's length when it exited: what it wrote before its restart. */
  logBytes: number;
}

/**
 * A fleet wired for the nemesis: every link it may cut runs through a FaultProxy, every role
 * whose clock it may fault runs under libfaketime, and the `db` fault gets a PostgreSQL of the
 * run's own. Each fault is applied and healed through the methods below.
 */
export class ChaosRig {
  private readonly proxies = new Map<string, FaultProxy>();
  private readonly clocks = new Map<string, ClockControl>();
  /** Services that exited without being killed, each restarted after RESTART_DELAY_MS. */
  readonly unexpectedExits: UnexpectedExit[] = [];
  private supervising = true;
  /** Replacements of members (the reconfigure fault), and who holds each place now. */
  readonly membership: RigMembership;

  private constructor(
    readonly fleet: Fleet,
    private readonly o: RigOptions,
    /** The run's database, directly (not through a proxy); undefined on PGlite or hosted Neurelo. */
    readonly databaseUrl: string | undefined,
    readonly storage: string,
    readonly leaderTimeoutMs: number,
    private readonly postgres: PrivatePostgres | null,
    private readonly dropDatabase: (() => Promise<void>) | null,
  ) {
    this.membership = new RigMembership(fleet, async (spec) => {
      await this.wireRole(spec);
      this.clocks.get(spec.name)?.started();
    });
  }

  static async create(o: RigOptions): Promise<ChaosRig> {
    const options = defaultFleetOptions();
    options.workDir = path.join(options.workDir, o.name ?? 'chaos');
    rmSync(options.workDir, { recursive: true, force: true });
    const hosted = options.neureloApiBase !== undefined;
    const variant = o.broken && VARIANTS.includes(o.broken) ? o.broken : null;
    const wantsPrivate = o.faults.includes('db') || variant !== null;
    if (hosted && (o.faults.includes('db') || o.faults.includes('partition'))) {
      throw new Error(
        'the db and partition faults need the local data API: unset NEURELO_API_BASE',
      );
    }
    if (o.faults.includes('clock') && !findLibfaketime()) {
      throw new Error('the clock fault needs libfaketime: apt-get install faketime');
    }
    let postgres: PrivatePostgres | null = null;
    let dropDatabase: (() => Promise<void>) | null = null;
    let storage = hosted ? 'hosted Neurelo' : 'PGlite';
    // The checks assume every key starts absent: a database of this run's own.
    if (wantsPrivate) {
      postgres = await PrivatePostgres.create();
      options.databaseUrl = await createScratchDatabase(postgres.adminUrl, DATABASE_NAME);
      storage = `a private PostgreSQL on port ${postgres.port}`;
    } else if (options.databaseUrl && !hosted) {
      const adminUrl = options.databaseUrl;
      const name = `paxos_chaos_${process.pid}`;
      options.databaseUrl = await createScratchDatabase(adminUrl, name);
      dropDatabase = () => dropScratchDatabase(adminUrl, name);
      storage = 'PostgreSQL';
    }
    if (variant && options.databaseUrl) await migrateVariant(options.databaseUrl, variant);
    options.roleEnv = { ...CHAOS_ROLE_ENV, ...options.roleEnv, ...o.roleEnv };
    const fleet = new Fleet(options);
    const rig = new ChaosRig(
      fleet,
      o,
      options.databaseUrl,
      storage,
      Number(options.roleEnv.LEADER_TIMEOUT_MS),
      postgres,
      dropDatabase,
    );
    await rig.wire();
    fleet.onUnexpectedExit = (name, code, signal) => rig.restartLater(name, code, signal);
    return rig;
  }

  private async wire(): Promise<void> {
    for (const role of this.roles()) await this.wireRole(role);
    const neurelo = this.fleet.services.find((s) => s.kind === 'neurelo');
    if (this.o.faults.includes('partition') && neurelo) {
      if (this.databaseUrl) {
        const db = new URL(this.databaseUrl);
        const proxy = await this.addProxy(neurelo.name, db.hostname, Number(db.port || 5432));
        neurelo.env.DATABASE_URL = databaseUrlFor(
          `postgres://${db.username || 'postgres'}@127.0.0.1:${proxy.port}/postgres`,
          db.pathname.slice(1),
        );
      }
    }
  }

  /**
   * Puts a role (an initial one, or a member a replacement starts) within the faults' reach:
   * its own proxy to the data API, its own faked clock, the broken entry point if any. A new
   * member's spec is copied from an old one's, so each of these replaces what it inherited.
   */
  private async wireRole(role: ServiceSpec): Promise<void> {
    const neurelo = this.fleet.services.find((s) => s.kind === 'neurelo');
    if (this.o.faults.includes('partition') && neurelo) {
      const proxy = await this.addProxy(role.name, '127.0.0.1', neurelo.port);
      role.env.NEURELO_API_BASE = `http://127.0.0.1:${proxy.port}`;
    }
    const library = findLibfaketime();
    if (this.o.faults.includes('clock') && library) {
      const clock = new ClockControl(
        path.join(this.fleet.options.workDir, 'clocks'),
        role.name,
        library,
      );
      this.clocks.set(role.name, clock);
      Object.assign(role.env, clock.env());
    }
    if (this.o.broken === 'local-reads' && role.kind === 'replica') role.entry = LOCAL_READ_REPLICA;
  }

  /** As a container's restart policy: a role that stopped by itself comes back. */
  private restartLater(name: string, code: number | null, signal: string | null): void {
    if (!this.supervising || this.membership.isRetired(name)) return;
    this.unexpectedExits.push({
      name,
      code,
      signal,
      atMs: Date.now(),
      logBytes: this.logBytes(name),
    });
    setTimeout(() => {
      if (this.supervising) this.start(name);
    }, RESTART_DELAY_MS).unref();
  }

  private logBytes(name: string): number {
    try {
      return statSync(this.fleet.logFile(name)).size;
    } catch {
      return 0;
    }
  }

  private async addProxy(name: string, host: string, port: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(host, port);
    await proxy.listen();
    this.proxies.set(name, proxy);
    return proxy;
  }

  roles(): ServiceSpec[] {
    return this.fleet.services.filter((s) => s.kind !== 'neurelo' && s.kind !== 'dashboard');
  }

  /**
   * Who each fault kind can hit in this rig now (an empty list: that kind cannot run here): the
   * services running or not yet retired, so a member stopped for good is never hit again and a
   * new one can be.
   */
  targets(): Record<FaultKind, string[]> {
    const all = this.fleet.services.map((s) => s.name);
    const live = (names: Iterable<string>) =>
      [...names].filter((n) => !this.membership.isRetired(n));
    return {
      kill: all,
      pause: all,
      partition: live(this.proxies.keys()),
      clock: live(this.clocks.keys()),
      db: this.postgres ? ['postgres'] : [],
      reconfigure: this.o.faults.includes('reconfigure') ? [MEMBERSHIP_TARGET] : [],
    };
  }

  async up(timeoutMs = 90_000): Promise<void> {
    for (const c of this.clocks.values()) c.started();
    await this.fleet.up(timeoutMs);
  }

  /** Every service answers its probe; one restarting after an exit is waited for. */
  async waitAllReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const s of this.fleet.services) {
      while (!(await probe(s.kind, s.port))) {
        if (Date.now() > deadline) {
          throw new Error(
            `${s.name} not ready ${timeoutMs} ms after the faults; see ${this.fleet.logDir}/${s.name}.log`,
          );
        }
        await sleep(200);
      }
    }
  }

  /** Starts a service again (a member stopped for good stays stopped). */
  start(name: string): void {
    if (this.membership.isRetired(name)) return;
    this.clocks.get(name)?.started();
    this.fleet.start(name);
  }

  kill(name: string): Promise<void> {
    return this.fleet.kill(name);
  }

  /** SIGSTOP: the process keeps its sockets and memory but runs nothing. */
  pause(name: string): void {
    this.fleet.signal(name, 'SIGSTOP');
  }

  resume(name: string): void {
    this.fleet.signal(name, 'SIGCONT');
  }

  cutLink(name: string, mode: CutMode): void {
    this.proxy(name).partition(mode);
  }

  healLink(name: string): void {
    this.proxy(name).heal();
  }

  clock(name: string): ClockControl {
    const c = this.clocks.get(name);
    if (!c) throw new Error(`${name} does not run under a faked clock`);
    return c;
  }

  async crashDatabase(): Promise<void> {
    await this.privatePostgres().crash();
  }

  async startDatabase(): Promise<void> {
    await this.privatePostgres().start();
  }

  /** Heals every link and clock, resumes every process; the fleet stays up. */
  healAll(): void {
    for (const p of this.proxies.values()) p.heal();
    for (const c of this.clocks.values()) c.reset();
    for (const s of this.fleet.services) this.resume(s.name);
  }

  async down(): Promise<void> {
    this.supervising = false;
    await this.fleet.down();
    for (const p of this.proxies.values()) await p.close();
    if (this.dropDatabase) await this.dropDatabase();
    this.postgres?.destroy();
  }

  private proxy(name: string): FaultProxy {
    const p = this.proxies.get(name);
    if (!p) throw new Error(`no proxy on the link of ${name}`);
    return p;
  }

  private privatePostgres(): PrivatePostgres {
    if (!this.postgres) throw new Error('this run has no private PostgreSQL');
    return this.postgres;
  }
}
