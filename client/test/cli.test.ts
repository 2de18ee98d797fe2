/**
 * paxos-kv end to end, against a fleet started the way users start one (`npm run fleet --
 * up`, redirected by FLEET_DIR and FLEET_BASE_PORT): endpoints and key come from its state
 * file, output and exit codes are what docs/client.md promises. Ports 8405-8457, 8495.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshFleetDatabase } from '../../tools/test/support/fleet-database';

jest.setTimeout(240_000);

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');
const fleetDir = mkdtempSync(path.join(os.tmpdir(), 'paxos-kv-cli-'));
let env: NodeJS.ProcessEnv;
let dropDatabase: () => Promise<void> = async () => undefined;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  try {
    const r = await run(file, args, { cwd: REPO, env: { ...env, ...extraEnv }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** As a user types it: `npm run kv -- ...`. */
const npmKv = (...args: string[]) => sh('npm', ['run', 'kv', '--', ...args]);
/** The same CLI without npm's start-up (quicker, and stdout holds only the CLI's output). */
const kv = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  sh(process.execPath, ['--import', 'tsx', 'client/src/cli.ts', ...args], extraEnv);

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

beforeAll(async () => {
  const db = await freshFleetDatabase('clientcli');
  dropDatabase = db.drop;
  env = {
    ...process.env,
    FLEET_DIR: fleetDir,
    FLEET_BASE_PORT: '8405',
    LOG_LEVEL: 'warn',
    PAXOS_ENDPOINTS: '',
    PAXOS_KEY: '',
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
  const up = await sh('npm', ['run', 'fleet', '--', 'up']);
  if (up.code !== 0) throw new Error(`fleet up failed: ${up.stdout}\n${up.stderr}`);
});

afterAll(async () => {
  await sh('npm', ['run', 'fleet', '--', 'down']);
  await dropDatabase();
  rmSync(fleetDir, { recursive: true, force: true });
});

describe('paxos-kv', () => {
  it('npm run kv -- put greeting hello, then get greeting prints hello', async () => {
    const put = await npmKv('put', 'greeting', 'hello');
    expect(put.code).toBe(0);
    const get = await npmKv('get', 'greeting');
    expect(get.code).toBe(0);
    expect(lastLine(get.stdout)).toBe('hello');
  });

  it('prints the value alone, or nothing with exit code 3 for an absent key', async () => {
    expect(await kv(['get', 'greeting'])).toMatchObject({ code: 0, stdout: 'hello\n' });
    expect(await kv(['get', 'nobody'])).toMatchObject({ code: 3, stdout: '' });
  });

  it('cas: exit 3 on a mismatch, 0 on a match; --json prints the whole answer', async () => {
    const miss = await kv(['cas', 'greeting', 'bye', 'hi', '--json']);
    expect(miss.code).toBe(3);
    expect(JSON.parse(miss.stdout)).toMatchObject({ key: 'greeting', ok: false, value: 'hello' });
    expect((await kv(['cas', 'greeting', 'hello', 'hi'])).code).toBe(0);
    expect((await kv(['cas', 'fresh', '--absent', 'new'])).code).toBe(0);
    expect((await kv(['cas', 'fresh', '--absent', 'again'])).code).toBe(3);
  });

  it('lists a prefix and deletes', async () => {
    await kv(['put', 'ls/1', 'one']);
    await kv(['put', 'ls/2', 'two']);
    const listed = await kv(['list', '--prefix', 'ls/']);
    expect(listed).toMatchObject({ code: 0, stdout: 'ls/1\tone\nls/2\ttwo\n' });
    const del = await kv(['delete', 'ls/1', '--json']);
    expect(JSON.parse(del.stdout)).toMatchObject({ key: 'ls/1', previous: 'one' });
    expect((await kv(['get', 'ls/1'])).code).toBe(3);
  });

  it('takes the read-only key from PAXOS_KEY and exits 2 when a write is refused', async () => {
    const state = JSON.parse(readFileSync(path.join(fleetDir, 'run', 'fleet.json'), 'utf8')) as {
      readOnlyClientKey: string;
    };
    const refused = await kv(['put', 'greeting', 'no'], { PAXOS_KEY: state.readOnlyClientKey });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/403/);
    expect((await kv(['get', 'greeting'], { PAXOS_KEY: 'pxk_wrong' })).code).toBe(2);
  });

  it('exits 4 when no replica answers', async () => {
    const r = await kv([
      'get',
      'greeting',
      '--endpoints',
      'http://127.0.0.1:8499',
      '--timeout',
      '1500',
    ]);
    expect(r.code).toBe(4);
  });

  it('says how to get endpoints when there is no fleet, with exit code 1', async () => {
    const r = await kv(['get', 'x'], { FLEET_DIR: path.join(fleetDir, 'none') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--endpoints.*npm run fleet -- up/);
  });

  it('keygen prints a key and the CLIENT_KEYS entry of its hash', async () => {
    const r = await kv([
      'keygen',
      '--access',
      'read',
      '--prefix',
      'app/',
      '--name',
      'app-reader',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const { key, entry } = JSON.parse(r.stdout) as { key: string; entry: string };
    expect(key).toMatch(/^pxk_[A-Za-z0-9_-]{43}$/);
    const sha = createHash('sha256').update(key).digest('hex');
    expect(entry).toBe(`app-reader:read:${sha}:app/`);
    expect((await kv(['keygen', '--access', 'admin'])).code).toBe(1);
  });
});
