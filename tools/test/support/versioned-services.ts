import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { getJson, probe } from '../../src/fleet/service-process';
import type { ServiceSpec } from '../../src/fleet/topology';

/**
 * Role services started from a source tree of one's choosing (this checkout, or an earlier
 * version's from previous-version.ts): the fleet runner always starts this checkout's code.
 * Each runs with tsx from its tree, with the spec's environment; its output goes to
 * `<logDir>/<name>.<label>.log`, so the logs of both versions of one member stay apart.
 */
export class VersionedServices {
  private readonly children = new Map<string, { child: ChildProcess; label: string }>();

  constructor(private readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
  }

  start(spec: ServiceSpec, root: string, label: string): void {
    if (this.isRunning(spec.name)) throw new Error(`${spec.name} is already running`);
    const log = openSync(path.join(this.logDir, `${spec.name}.${label}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
      cwd: root,
      env: { ...process.env, ...spec.env, LOG_LEVEL: spec.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.children.set(spec.name, { child, label });
  }

  /** Which tree the running `name` came from (its label), or null. */
  labelOf(name: string): string | null {
    return this.isRunning(name) ? this.children.get(name)!.label : null;
  }

  isRunning(name: string): boolean {
    const c = this.children.get(name)?.child;
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  /**
   * Stops `name` the way an orchestrator replaces a pod: SIGTERM, then SIGKILL after
   * `graceMs`. Resolves with how it ended.
   */
  async stop(
    name: string,
    graceMs = 10_000,
  ): Promise<{ code: number | null; signal: string | null }> {
    const child = this.children.get(name)?.child;
    if (!child) throw new Error(`${name} was never started`);
    if (child.exitCode !== null || child.signalCode !== null) {
      return { code: child.exitCode, signal: child.signalCode };
    }
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const outcome = await exited;
    clearTimeout(timer);
    return outcome;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((name) => this.stop(name, 5_000)));
  }

  async waitReady(spec: ServiceSpec, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe(spec.kind, spec.port))) {
      const label = this.children.get(spec.name)?.label ?? '?';
      const log = path.join(this.logDir, `${spec.name}.${label}.log`);
      if (!this.isRunning(spec.name))
        throw new Error(`${spec.name} exited while starting; see ${log}`);
      if (Date.now() > deadline)
        throw new Error(`${spec.name} not ready after ${timeoutMs} ms; see ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface ReplicaView {
  name: string;
  slotOut: number;
  digest: string;
}

/** Each replica's slotOut and state digest from GET /state (null: it did not answer). */
export async function replicaViews(replicas: ServiceSpec[]): Promise<Array<ReplicaView | null>> {
  return Promise.all(
    replicas.map(async (s) => {
      const v = (await getJson(s.port, '/state')) as {
        state: { slotOut: number; digest: string } | null;
      } | null;
      return v?.state ? { name: s.name, slotOut: v.state.slotOut, digest: v.state.digest } : null;
    }),
  );
}

/** Waits until every replica reports the same slotOut and digest twice in a row (a quiet log). */
export async function waitForSameState(
  replicas: ServiceSpec[],
  timeoutMs: number,
): Promise<{ converged: boolean; views: Array<ReplicaView | null> }> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  let views = await replicaViews(replicas);
  while (Date.now() < deadline) {
    views = await replicaViews(replicas);
    const first = views[0];
    const same =
      !!first && views.every((v) => v?.slotOut === first.slotOut && v.digest === first.digest);
    const fingerprint = same ? `${first.slotOut}:${first.digest}` : '';
    if (same && fingerprint === previous) return { converged: true, views };
    previous = fingerprint;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { converged: false, views };
}
