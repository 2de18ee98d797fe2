import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type ServiceSpec } from './topology';

/** Where a service's output goes: `<logDir>/<name>.log`. */
export function serviceLogFile(logDir: string, name: string): string {
  return path.join(logDir, `${name}.log`);
}

/** Starts one service as its own OS process, its output appended to its log file. */
export function spawnService(
  spec: ServiceSpec,
  logDir: string,
  options: { detached?: boolean } = {},
): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = openSync(serviceLogFile(logDir, spec.name), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...spec.env,
      LOG_LEVEL: spec.env.LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', log, log],
    detached: options.detached ?? false,
  });
  closeSync(log);
  if (options.detached) child.unref();
  return child;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A process that exited but was not reaped yet (a zombie: a detached service's parent is
  // gone, and whoever adopted it reaps at leisure) still takes signal 0: it is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

/** GET a JSON endpoint of a service; null when it does not answer. */
export async function getJson(port: number, urlPath: string, timeoutMs = 1_000): Promise<unknown> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok && res.status !== 503) return null;
    return await res.json();
  } catch {
    return null;
  }
}

/** The probe path of a service: roles answer /readyz, the data API /healthz. */
export const probePath = (kind: string): string => (kind === 'neurelo' ? '/healthz' : '/readyz');

/** Reads a probe answer: `{ready: true}` from a role, `{data: {status: 'ok'}}` from the data API. */
export function isHealthyAnswer(body: unknown): boolean {
  const b = body as { ready?: boolean; data?: { status?: string } } | null;
  return !!b && (b.ready === true || b.data?.status === 'ok');
}

/** Whether a service answers its probe as healthy right now. */
export async function probe(kind: string, port: number): Promise<boolean> {
  return isHealthyAnswer(await getJson(port, probePath(kind)));
}
