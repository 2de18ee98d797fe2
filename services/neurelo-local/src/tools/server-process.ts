import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root, where `npx tsx services/neurelo-local/src/main.ts` is run from. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** The server as a real OS process (npx -> tsx -> node), in a process group of its own. */
export interface ServerProcess {
  baseUrl: string;
  port: number;
  /** The node process that runs main.ts (the one whose CPU and memory matter). */
  serverPid: number;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal) of the npx process. */
  exited: Promise<number | null>;
  /** Signals the whole group: SIGKILL leaves no orphan behind npx and tsx. */
  killGroup(signal: NodeJS.Signals): void;
  /** SIGTERM to the server; SIGKILL to the group if it is not gone after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n${output}`);
    this.name = 'ServerStartError';
  }
}

/**
 * Starts `npx tsx services/neurelo-local/src/main.ts` on a free port (PORT=0; the port is read
 * from its "listening" log line). `env` is added to this process's environment; a variable set
 * to undefined is removed (e.g. DATABASE_URL: undefined for PGlite).
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  startTimeoutMs = 60_000,
  /** Hears every log line as it comes, from the first one (before "listening"). */
  onLog: (entry: Record<string, unknown>) => void = () => undefined,
): Promise<ServerProcess> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PORT: '0', HOST: '127.0.0.1', ...env })) {
    if (v !== undefined) childEnv[k] = v;
  }
  const child: ChildProcess = spawn('npx', ['tsx', 'services/neurelo-local/src/main.ts'], {
    cwd: REPO_ROOT,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const groupPid = child.pid!;
  const logs: Record<string, unknown>[] = [];
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-groupPid, signal);
    } catch {
      // already gone
    }
  };

  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    // Reading every line also keeps the pipe drained, so logging never blocks the server.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        onLog(entry);
        if (entry.msg === 'listening') resolve(entry);
      } catch {
        // not a log line (npx notices)
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    void exited.then((code) =>
      reject(
        new ServerStartError(`the server exited (${code}) before listening`, output.join('\n')),
      ),
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ServerStartError('the server did not start in time', output.join('\n'))),
      startTimeoutMs,
    );
  });
  let ready: Record<string, unknown>;
  try {
    ready = await Promise.race([listening, timeout]);
  } catch (err) {
    killGroup('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const port = Number(ready.port);
  const serverPid = Number(ready.pid);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    serverPid,
    logs,
    exited,
    killGroup,
    stop: async (graceMs = 15_000) => {
      try {
        process.kill(serverPid, 'SIGTERM');
      } catch {
        // already gone
      }
      const force = setTimeout(() => killGroup('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(force);
      return code;
    },
  };
}
