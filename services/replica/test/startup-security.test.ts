import { ConfigurationError, createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { PUBLISHED_EXAMPLE_KEYS, clientKeyEntry, generateClientKey } from '@paxos/shared';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { replicaServiceSpec } from '../src/service/replica-service';

const REPO = path.resolve(__dirname, '..', '..', '..');
const EXAMPLE = PUBLISHED_EXAMPLE_KEYS[0]!;
const STRONG = 'e1b0c4a9f7d3526e8b1a0c9d7f3e5a24';
/** Nothing listens here (this helper's port range): the data API stays unreachable. */
const NO_DATA_API = 'http://127.0.0.1:8199';

const baseEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PROCESS_ID: 'replica-0',
  PORT: '0',
  NEURELO_API_BASE: NO_DATA_API,
  NEURELO_API_KEY: STRONG,
  LOG_LEVEL: 'silent',
  ...extra,
});

/** The replica as its own process (it serves HTTP before it reaches the data API). */
function spawnReplica(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/replica/src/main.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stderr: '', stdout: '' };
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return { child, out, exited };
}

/**
 * Starts the replica service in this process, for settings that stop it before it listens: it
 * would otherwise wait for the (unreachable) data API. A fatal error rejects instead of exiting.
 */
function start(env: NodeJS.ProcessEnv) {
  return runRoleService(replicaServiceSpec(), createNeureloQueuePort, env, {
    installSignalHandlers: false,
    onFatal: () => undefined,
  });
}

describe('production mode', () => {
  it('a replica with the example key and no client keys exits 2, naming every problem', async () => {
    const { out, exited } = spawnReplica(
      baseEnv({
        PAXOS_PRODUCTION: 'true',
        NEURELO_API_KEY: EXAMPLE,
        NEURELO_API_BASE: 'http://db.example.com',
        ADMIN_KEY: EXAMPLE,
      }),
    );
    expect(await exited).toBe(2);
    const stderr = out.stderr;
    expect(stderr).toContain('replica: PAXOS_PRODUCTION=true refuses to start (4 problems)');
    expect(stderr).toContain('NEURELO_API_KEY is a published example value');
    expect(stderr).toContain('ADMIN_KEY is a published example value');
    expect(stderr).toContain('CLIENT_KEYS is not set');
    expect(stderr).toContain('plain http:// to db.example.com');
    expect(stderr).not.toContain(EXAMPLE);
  }, 30_000);

  it('refuses a CLIENT_KEYS entry made from a published example key', async () => {
    const env = baseEnv({
      PAXOS_PRODUCTION: 'true',
      CLIENT_KEYS: clientKeyEntry('copied', 'write', PUBLISHED_EXAMPLE_KEYS[1]!),
    });
    await expect(start(env)).rejects.toThrow(
      new ConfigurationError(
        'PAXOS_PRODUCTION=true refuses to start (1 problem): CLIENT_KEYS entry copied is the hash of a published example key',
      ),
    );
  });

  it('a CLIENT_KEYS entry that does not parse stops the start, naming the variable', async () => {
    await expect(start(baseEnv({ CLIENT_KEYS: 'app:write:not-a-hash' }))).rejects.toThrow(
      /CLIENT_KEYS\.0: the hash must be 64 lower-case hex digits/,
    );
  });

  it('outside production the same settings are warnings: the replica starts', async () => {
    const port = 8195;
    const r = spawnReplica(
      baseEnv({ PORT: String(port), NEURELO_API_KEY: EXAMPLE, LOG_LEVEL: 'warn' }),
    );
    try {
      await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
      expect(r.out.stdout).toContain('unsafe outside a test: CLIENT_KEYS is not set');
      expect(r.out.stdout).toContain('NEURELO_API_KEY is a published example value');
    } finally {
      r.child.kill('SIGKILL');
      await r.exited;
    }
  }, 30_000);
});

describe('HTTPS', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'replica-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** One HTTPS exchange that trusts only the test's certificate. */
  function call(port: number, method: string, urlPath: string, body?: string) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path: urlPath,
          ca: readFileSync(path.join(dir, 'cert.pem')),
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves the client API over TLS when TLS_CERT_FILE and TLS_KEY_FILE are set', async () => {
    const port = 8196;
    const r = spawnReplica(
      baseEnv({
        PORT: String(port),
        TLS_CERT_FILE: path.join(dir, 'cert.pem'),
        TLS_KEY_FILE: path.join(dir, 'key.pem'),
        CLIENT_KEYS: clientKeyEntry('app', 'write', generateClientKey()),
      }),
    );
    try {
      await until(async () => (await call(port, 'GET', '/healthz')).status === 200);
      const refused = await call(port, 'POST', '/commands', '{}');
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'unauthorized' });
      // Plain http on the same port gets no answer of the API.
      await expect(
        fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status,
        ),
      ).rejects.toThrow();
    } finally {
      r.child.kill('SIGKILL');
      await r.exited;
    }
  }, 30_000);

  it('one file without the other is a configuration error', async () => {
    await expect(start(baseEnv({ TLS_CERT_FILE: path.join(dir, 'cert.pem') }))).rejects.toThrow(
      'TLS_CERT_FILE and TLS_KEY_FILE: set both for HTTPS, or neither',
    );
  });
});

/** Polls `check` (errors count as false) until it holds, or fails after `ms`. */
async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
