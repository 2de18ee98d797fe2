import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(
      `${command} exited ${result.code} after ${result.ms} ms\n${tail(result.stderr || result.stdout, 30)}`,
    );
    this.name = 'CommandError';
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a command to completion, capturing its output. Past `timeoutMs` the child (only it)
 * is killed and the result has code 124, like timeout(1).
 */
export function run(
  cmd: string,
  args: string[],
  opts: {
    cwd?: string;
    timeoutMs?: number;
    check?: boolean;
    echo?: boolean;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<CommandResult> {
  const started = Date.now();
  const line = `${cmd} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${line}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = {
        code: timedOut ? 124 : (code ?? 1),
        stdout,
        stderr,
        ms: Date.now() - started,
      };
      if (opts.check !== false && result.code !== 0) reject(new CommandError(line, result));
      else resolve(result);
    });
  });
}

/** A compose project driven by podman-compose, its containers found by their labels. */
export class ComposeProject {
  constructor(
    readonly name: string,
    /** The folder holding docker-compose.yml and the .env it reads. */
    readonly dir: string,
  ) {}

  compose(args: string[], timeoutMs = 180_000): Promise<CommandResult> {
    return run('podman-compose', ['-p', this.name, ...args], { cwd: this.dir, timeoutMs });
  }

  /** `podman ps -a` of this project's containers (and `extra` label filters), one line each. */
  private async ps(format: string, extra: string[] = []): Promise<string[]> {
    const filters = [`io.podman.compose.project=${this.name}`, ...extra].flatMap((label) => [
      '--filter',
      `label=${label}`,
    ]);
    const r = await run('podman', ['ps', '-a', ...filters, '--format', format]);
    return r.stdout.split('\n').filter((s) => s.length > 0);
  }

  /** The container of a service (podman-compose names it <project>_<service>_1). */
  async container(service: string): Promise<string> {
    const [name] = await this.ps('{{.Names}}', [`com.docker.compose.service=${service}`]);
    if (!name) throw new Error(`no container for service ${service} in project ${this.name}`);
    return name;
  }

  /** Every container of the project, running or not. */
  containers(): Promise<string[]> {
    return this.ps('{{.Names}}');
  }

  /** One line per container of the project: its name and podman's status (up, exited, ...). */
  async statusLines(): Promise<string> {
    return (await this.ps('{{.Names}}  {{.Status}}')).join('\n');
  }

  /** SIGKILL, as a node failure or `kubectl delete pod --grace-period=0` would. */
  async kill(service: string): Promise<void> {
    await run('podman', ['kill', '--signal', 'KILL', await this.container(service)]);
  }

  /**
   * Kills the service's process from the host, as a crash would (not an explicit stop): the
   * restart policy must bring the container back. Returns the restart count before.
   */
  async crash(service: string): Promise<number> {
    const name = await this.container(service);
    const r = await run('podman', [
      'inspect',
      '--format',
      '{{.State.Pid}} {{.RestartCount}}',
      name,
    ]);
    const [pid, restarts] = r.stdout.trim().split(' ').map(Number);
    if (!pid) throw new Error(`${name} has no process to crash`);
    process.kill(pid, 'SIGKILL');
    return restarts ?? 0;
  }

  /** A field of `podman inspect` of the service's container, e.g. `{{.RestartCount}}`. */
  private async inspect(service: string, format: string): Promise<string> {
    const r = await run('podman', ['inspect', '--format', format, await this.container(service)]);
    return r.stdout.trim();
  }

  async restartCount(service: string): Promise<number> {
    return Number(await this.inspect(service, '{{.RestartCount}}'));
  }

  /** When the service's container last started (podman's text, compared for a change only). */
  startedAt(service: string): Promise<string> {
    return this.inspect(service, '{{.State.StartedAt}}');
  }

  async start(service: string): Promise<void> {
    await run('podman', ['start', await this.container(service)]);
  }

  /**
   * Stops a service as `docker compose stop` does (SIGTERM: the process finishes its step and
   * releases its lease), then removes its container, as `docker compose rm` would.
   */
  async stopAndRemove(service: string, graceSeconds = 15): Promise<void> {
    const name = await this.container(service);
    await run('podman', ['stop', '-t', String(graceSeconds), name], {
      timeoutMs: (graceSeconds + 30) * 1_000,
    });
    await run('podman', ['rm', name]);
  }

  /** Runs a command inside a service's running container. */
  async exec(service: string, args: string[], timeoutMs = 30_000): Promise<CommandResult> {
    return run('podman', ['exec', await this.container(service), ...args], {
      check: false,
      timeoutMs,
    });
  }

  async isRunning(service: string): Promise<boolean> {
    const r = await run(
      'podman',
      ['inspect', '--format', '{{.State.Running}}', await this.container(service)],
      { check: false },
    );
    return r.stdout.trim() === 'true';
  }

  /** Runs the container's own HEALTHCHECK once (podman has no timer without systemd). */
  /** `service: why` for each of `services` whose compose healthcheck fails now. */
  async failingHealthchecks(services: string[]): Promise<string[]> {
    const failing: string[] = [];
    for (const service of services) {
      const r = await this.healthcheck(service);
      if (r.code !== 0) failing.push(`${service}: ${tail(r.stdout + r.stderr, 2)}`);
    }
    return failing;
  }

  async healthcheck(service: string): Promise<CommandResult> {
    return run('podman', ['healthcheck', 'run', await this.container(service)], {
      check: false,
      timeoutMs: 30_000,
    });
  }

  async logs(service: string, lines = 40): Promise<string> {
    const r = await run(
      'podman',
      ['logs', '--tail', String(lines), await this.container(service)],
      {
        check: false,
      },
    );
    return `${r.stdout}${r.stderr}`;
  }

  /**
   * Removes the project's containers, volumes and network. podman-compose 1.0.3's `down`
   * leaves the network behind, and a failed `up` can leave containers it never listed.
   */
  async destroy(): Promise<void> {
    await this.compose(['down', '-v', '-t', '5'], 120_000).catch(() => undefined);
    const left = await this.containers().catch(() => []);
    if (left.length > 0) await run('podman', ['rm', '-f', '-t', '0', ...left], { check: false });
    const volumes = await run(
      'podman',
      ['volume', 'ls', '-q', '--filter', `label=io.podman.compose.project=${this.name}`],
      { check: false },
    );
    const vols = volumes.stdout.split('\n').filter((s) => s.length > 0);
    if (vols.length > 0) await run('podman', ['volume', 'rm', '-f', ...vols], { check: false });
    await run('podman', ['network', 'rm', '-f', `${this.name}_default`], { check: false });
  }
}
