import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A PostgreSQL server of the chaos run's own: `initdb` in a scratch folder, its own port and
 * socket folder, so crashing it (`pg_ctl -m immediate`) never touches the machine's shared
 * server that other tests use. As root, its commands run as the `postgres` user (initdb refuses
 * root).
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly asUser: string | null,
  ) {}

  /** Where the server binaries are; null when this machine has none. */
  static findBinaries(): string | null {
    const candidates: string[] = [];
    const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
    const debian = '/usr/lib/postgresql';
    if (existsSync(debian)) {
      for (const v of readdirSync(debian).sort().reverse())
        candidates.push(path.join(debian, v, 'bin'));
    }
    return (
      candidates.find(
        (d) => existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'pg_ctl')),
      ) ?? null
    );
  }

  /** initdb and start; `settings` become `-c name=value` server options. */
  static async create(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
    const bin = PrivatePostgres.findBinaries();
    if (!bin)
      throw new Error(
        'the db fault needs PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql',
      );
    const asUser = process.getuid?.() === 0 ? 'postgres' : null;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paxos-chaos-pg-'));
    if (asUser) {
      const uid = Number(execFileSync('id', ['-u', asUser], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', asUser], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    const pg = new PrivatePostgres(dir, await freePort(), bin, asUser);
    pg.run('initdb', [
      '-D',
      pg.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
    pg.serverOptions = Object.entries({
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      max_connections: '60',
      shared_buffers: '64MB',
      fsync: 'on',
      synchronous_commit: 'on',
      ...settings,
    })
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    await pg.start();
    return pg;
  }

  private serverOptions = '';

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** The `postgres` database; the chaos run creates its own database beside it. */
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    await this.runAsync('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} ${this.serverOptions}`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** A crash: every server process stops at once, nothing is flushed; recovery replays the WAL. */
  async crash(): Promise<void> {
    await this.runAsync('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server (if running) and removes its folder. */
  destroy(): void {
    spawnSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), {
      stdio: 'ignore',
    });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const exe = path.join(this.bin, tool);
    return this.asUser ? ['runuser', ['-u', this.asUser, '--', exe, ...args]] : [exe, args];
  }

  /** Without blocking the event loop: the run's clients and proxies live in this process. */
  private runAsync(tool: string, args: string[]): Promise<void> {
    const [cmd, argv] = this.command(tool, args);
    return new Promise((resolve, reject) => {
      execFile(cmd, argv, { encoding: 'utf8', cwd: this.dir }, (err, stdout, stderr) => {
        if (!err) return resolve();
        reject(
          new Error(
            `${tool} ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim().slice(-600)}`,
          ),
        );
      });
    });
  }

  private run(tool: string, args: string[]): void {
    const [cmd, argv] = this.command(tool, args);
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: this.dir });
    if (r.status !== 0) {
      throw new Error(
        `${tool} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-600)}`,
      );
    }
  }
}

/** A TCP port nothing listens on right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
