import { isAlive, spawnService } from '@paxos/tools/src/fleet/service-process';
import type { ServiceSpec } from '@paxos/tools/src/fleet/topology';
import { readControlFile, writeControlFile, type ControlledService } from './control-file';

/** A kill or restart the dashboard refuses; `status` is the HTTP status to answer with. */
export class FleetControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'FleetControlError';
  }
}

export interface FleetControl {
  controllable: () => Promise<ReadonlySet<string>>;
  kill: (name: string) => Promise<{ name: string; killedPid: number | null }>;
  restart: (
    name: string,
  ) => Promise<{ name: string; killedPid: number | null; pid: number | null }>;
}

/**
 * Kill and restart for a local fleet, acting on the fleet runner's state file exactly as
 * `npm run fleet -- kill|restart` does, so `npm run fleet -- down` still stops everything the
 * dashboard restarted. Actions run one at a time: two quick clicks must not both rewrite the file.
 */
export class LocalFleetControl implements FleetControl {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async controllable(): Promise<ReadonlySet<string>> {
    try {
      const { services } = readControlFile(this.file);
      return new Set(services.filter((s) => s.kind !== 'dashboard').map((s) => s.name));
    } catch {
      return new Set();
    }
  }

  kill(name: string): Promise<{ name: string; killedPid: number | null }> {
    return this.serially(async () => {
      const content = readControlFile(this.file);
      const service = this.find(content.services, name);
      const killedPid = await killAndWait(service.pid);
      service.pid = null;
      writeControlFile(this.file, content);
      return { name, killedPid };
    });
  }

  restart(name: string): Promise<{ name: string; killedPid: number | null; pid: number | null }> {
    return this.serially(async () => {
      const content = readControlFile(this.file);
      const service = this.find(content.services, name);
      const killedPid = await killAndWait(service.pid);
      const child = spawnService(service as ControlledService & ServiceSpec, content.logDir, {
        detached: true,
      });
      service.pid = child.pid ?? null;
      writeControlFile(this.file, content);
      return { name, killedPid, pid: service.pid };
    });
  }

  private find(services: ControlledService[], name: string): ControlledService {
    const service = services.find((s) => s.name === name);
    if (!service) throw new FleetControlError(404, `no service named ${name} in this fleet`);
    if (service.kind === 'dashboard') {
      throw new FleetControlError(403, 'the dashboard does not kill or restart itself');
    }
    return service;
  }

  private serially<T>(action: () => Promise<T>): Promise<T> {
    const run = this.queue.then(action, action);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * SIGKILL, then wait (briefly) until the process is gone, so a restart does not find its
 * port still taken. Returns the pid that was killed, or null if nothing was running.
 */
async function killAndWait(pid: number | null): Promise<number | null> {
  if (pid === null || !isAlive(pid)) return null;
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 3_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return pid;
}
