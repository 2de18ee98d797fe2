import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { probe } from '../fleet/service-process';
import { planFleet, REPO_ROOT } from '../fleet/topology';
import type { BenchConfiguration } from './configurations';
import { probeEnv } from './probe-env';
import type { BenchTarget } from './target';

export interface MemoryTargetOptions {
  basePort: number;
  workDir: string;
  cpuProfileDir?: string;
}

/** Starts memory-fleet-main.ts as one child process and waits until every role is ready. */
export async function startMemoryTarget(
  configuration: BenchConfiguration,
  o: MemoryTargetOptions,
): Promise<BenchTarget> {
  const { services } = planFleet({
    acceptors: 3,
    leaders: 2,
    replicas: 2,
    basePort: o.basePort,
    workDir: o.workDir,
    neureloApiBase: 'http://127.0.0.1:9',
  });
  const logDir = path.join(o.workDir, configuration.name);
  mkdirSync(logDir, { recursive: true });
  const log = openSync(path.join(logDir, 'memory-fleet.log'), 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join('tools', 'src', 'bench', 'memory-fleet-main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        BENCH_BASE_PORT: String(o.basePort),
        BENCH_ROLE_ENV: JSON.stringify(configuration.roleEnv),
        ...probeEnv({ cpuProfileDir: o.cpuProfileDir }),
      },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (const s of services) {
    while (!(await probe(s.kind, s.port))) {
      if (!running() || Date.now() > deadline) {
        await stop();
        throw new Error(
          `the in-memory fleet did not start; see ${path.join(logDir, 'memory-fleet.log')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    configuration,
    replicaUrls: services
      .filter((s) => s.kind === 'replica')
      .map((s) => `http://127.0.0.1:${s.port}`),
    roles: services.map((s) => ({ name: s.name, kind: s.kind, port: s.port })),
    processes: () => [
      { name: 'roles', kind: 'roles', pid: running() ? (child.pid ?? null) : null },
    ],
    requestCounterPort: null,
    database: null,
    stop,
  };
}
