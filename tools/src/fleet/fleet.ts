import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FleetControl } from './member-ops';
import { probe, serviceLogFile, spawnService } from './service-process';
import { planFleet, type FleetOptions, type ServiceSpec } from './topology';

export interface ServiceStatus {
  name: string;
  kind: ServiceSpec['kind'];
  port: number;
  pid: number | null;
  up: boolean;
  ready: boolean;
}

/**
 * A fleet whose processes are children of this one (npm start, chaos, tests). Every
 * service is a separate OS process; kill() is a real SIGKILL.
 */
export class Fleet {
  readonly services: ServiceSpec[];
  readonly apiBase: string;
  readonly apiKey: string;
  /** The replicas' ADMIN_KEY (never printed). */
  readonly adminKey: string;
  /** The read-write and read-only client keys (never printed); null: the fleet takes anyone. */
  readonly clientKey: string | null;
  readonly readOnlyClientKey: string | null;
  /** Members stopped for good by a membership change: their ids are never used again. */
  private readonly retiredNames = new Set<string>();
  private readonly children = new Map<string, ChildProcess>();
  /** Services this fleet is stopping itself (kill, down): their exit is no news. */
  private readonly stopping = new Set<string>();
  readonly logDir: string;
  /**
   * Called when a service exits without being told to (a fatal error, an out-of-memory kill):
   * a supervisor (the chaos rig) restarts it as a container's restart policy would.
   */
  onUnexpectedExit: ((name: string, code: number | null, signal: string | null) => void) | null =
    null;

  constructor(readonly options: FleetOptions) {
    const plan = planFleet(options);
    this.services = plan.services;
    this.apiBase = plan.apiBase;
    this.apiKey = plan.apiKey;
    this.adminKey = plan.adminKey;
    this.clientKey = options.clientKeys?.clientKey ?? null;
    this.readOnlyClientKey = options.clientKeys?.readOnlyClientKey ?? null;
    this.logDir = path.join(options.workDir, 'logs');
    mkdirSync(options.workDir, { recursive: true });
  }

  spec(name: string): ServiceSpec {
    const s = this.services.find((x) => x.name === name);
    if (!s)
      throw new Error(
        `no service named ${name}; services: ${this.services.map((x) => x.name).join(', ')}`,
      );
    return s;
  }

  named(kind: ServiceSpec['kind']): ServiceSpec[] {
    return this.services.filter((s) => s.kind === kind);
  }

  /** Starts the data API first (roles retry until it answers, but this is quicker), then the roles. */
  async up(timeoutMs = 60_000): Promise<void> {
    const neurelo = this.services.find((s) => s.kind === 'neurelo');
    if (neurelo) {
      this.start(neurelo.name);
      await this.waitReady([neurelo.name], timeoutMs);
    }
    for (const s of this.services) if (s.kind !== 'neurelo') this.start(s.name);
    await this.waitReady(
      this.services.map((s) => s.name),
      timeoutMs,
    );
  }

  start(name: string): void {
    const existing = this.children.get(name);
    if (existing && existing.exitCode === null && existing.signalCode === null) return;
    const child = spawnService(this.spec(name), this.logDir);
    this.children.set(name, child);
    this.stopping.delete(name);
    child.once('exit', (code, signal) => {
      if (this.children.get(name) !== child || this.stopping.has(name)) return;
      this.onUnexpectedExit?.(name, code, signal);
    });
  }

  /** Adds a service the plan did not have (a new member) and starts it. */
  addService(spec: ServiceSpec): void {
    if (this.services.some((s) => s.name === spec.name) || this.retiredNames.has(spec.name)) {
      throw new Error(`${spec.name} was already used in this fleet`);
    }
    this.services.push(spec);
    this.start(spec.name);
  }

  /** SIGTERM (the process finishes its step and hands its lease back), SIGKILL after graceMs. */
  async stop(name: string, graceMs = 5_000): Promise<void> {
    const child = this.children.get(name);
    if (!child || !this.isRunning(name)) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    this.stopping.add(name);
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops a member for good and forgets it: it leaves `services`; its id is never reused. */
  async retire(name: string): Promise<void> {
    await this.stop(name);
    const at = this.services.findIndex((s) => s.name === name);
    if (at >= 0) this.services.splice(at, 1);
    this.children.delete(name);
    this.retiredNames.add(name);
  }

  /** This fleet as member-ops.ts drives it (add, remove, replace). */
  control(): FleetControl {
    return {
      services: () => this.services,
      retiredIds: () => [...this.retiredNames],
      basePort: this.options.basePort,
      adminKey: this.adminKey,
      apiBase: this.apiBase,
      apiKey: this.apiKey,
      startNew: async (spec) => {
        this.addService(spec);
        await this.waitReady([spec.name]);
      },
      stopForGood: (name) => this.retire(name),
    };
  }

  /** SIGKILL: no chance to finish anything (a crash, a pod deleted). */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    this.stopping.add(name);
    child.kill('SIGKILL');
    await exited;
  }

  /** Sends a signal to a running service (SIGSTOP, SIGCONT); nothing when it is not running. */
  signal(name: string, signal: NodeJS.Signals): void {
    const child = this.children.get(name);
    if (child && this.isRunning(name)) child.kill(signal);
  }

  async restart(name: string): Promise<void> {
    await this.kill(name);
    this.start(name);
  }

  isRunning(name: string): boolean {
    const c = this.children.get(name);
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  pid(name: string): number | null {
    return this.isRunning(name) ? (this.children.get(name)?.pid ?? null) : null;
  }

  /**
   * Waits for a service to exit by itself: its exit code (null when a signal ended it), or
   * 'running' if it is still up after `timeoutMs`.
   */
  async waitExit(name: string, timeoutMs: number): Promise<number | null | 'running'> {
    const child = this.children.get(name);
    if (!child) throw new Error(`${name} was never started`);
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timeout = new Promise<'running'>(
      (r) => (timer = setTimeout(() => r('running'), timeoutMs)),
    );
    const outcome = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    return outcome;
  }

  /** A service's log file. */
  logFile(name: string): string {
    return serviceLogFile(this.logDir, name);
  }

  async waitReady(names: string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const name of names) {
      const spec = this.spec(name);
      for (;;) {
        if (await probe(spec.kind, spec.port)) break;
        if (!this.isRunning(name)) {
          throw new Error(`${name} exited while starting; see ${this.logFile(name)}`);
        }
        if (Date.now() > deadline) {
          throw new Error(`${name} not ready after ${timeoutMs} ms; see ${this.logFile(name)}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async status(): Promise<ServiceStatus[]> {
    return Promise.all(
      this.services.map(async (s) => {
        const running = this.isRunning(s.name);
        const ready = running && (await probe(s.kind, s.port));
        return {
          name: s.name,
          kind: s.kind,
          port: s.port,
          pid: this.pid(s.name),
          up: running,
          ready,
        };
      }),
    );
  }

  /** SIGTERM everything (roles first, then the data API), SIGKILL what lingers. */
  async down(graceMs = 5_000): Promise<void> {
    const order = [...this.services].sort(
      (a, b) => (a.kind === 'neurelo' ? 1 : 0) - (b.kind === 'neurelo' ? 1 : 0),
    );
    for (const s of order) {
      const child = this.children.get(s.name);
      if (!child || !this.isRunning(s.name)) continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      this.stopping.add(s.name);
      child.kill('SIGCONT'); // a paused (SIGSTOPped) process would not act on SIGTERM
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }
}
