import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import {
  DataDirLockedError,
  LOCK_FILE_NAME,
  lockDataDir,
  type LockHolder,
} from '../src/db/data-dir-lock';
import {
  ServerStartError,
  startServerProcess,
  type ServerProcess,
} from '../src/tools/server-process';

const KEY = 'neurelo_lock_test_key';

/** The pid of a process that has exited (and been reaped). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('lockDataDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'neurelo-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lockFile = () => path.join(dir, LOCK_FILE_NAME);
  const writeLock = (holder: object | string) =>
    writeFileSync(lockFile(), typeof holder === 'string' ? holder : JSON.stringify(holder));
  const takeOvers = (): { seen: LockHolder[]; hear: (stale: LockHolder) => void } => {
    const seen: LockHolder[] = [];
    return { seen, hear: (stale) => seen.push(stale) };
  };

  it('takes a free folder (creating it) and frees it on release', () => {
    const nested = path.join(dir, 'a', 'b');
    const lock = lockDataDir(nested);
    expect(JSON.parse(readFileSync(lock.lockFile, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    lock.release();
    expect(existsSync(lock.lockFile)).toBe(false);
    lockDataDir(nested).release();
  });

  it.each<[string, () => object | string]>([
    ['a process that is gone', () => ({ pid: deadPid(), host: hostname() })],
    [
      'an earlier life of this very pid (a restarted container)',
      () => ({ pid: process.pid, host: hostname() }),
    ],
    [
      'a pid now used by another process (another start time)',
      () => ({ pid: process.ppid, host: hostname(), startTicks: '1' }),
    ],
    ['a file that is no lock', () => 'not json'],
  ])('takes over the stale lock of %s, and says so', (_case, stale) => {
    const holder = stale();
    writeLock(holder);
    const { seen, hear } = takeOvers();
    const lock = lockDataDir(dir, hear);
    expect(seen).toHaveLength(1);
    if (typeof holder !== 'string') expect(seen[0]).toMatchObject(holder);
    expect(JSON.parse(readFileSync(lock.lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it.each<[string, () => LockHolder]>([
    ['a live process of this host', () => ({ pid: process.ppid, host: hostname() })],
    [
      'a process of another host, which cannot be checked',
      () => ({ pid: 4242, host: 'elsewhere' }),
    ],
  ])('refuses a folder held by %s, naming the folder and the pid', (_case, live) => {
    const holder = live();
    writeLock(holder);
    const { seen, hear } = takeOvers();
    let error: unknown;
    try {
      lockDataDir(dir, hear);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).toContain(`process ${holder.pid}`);
    expect(seen).toEqual([]);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual(holder);
  });
});

/** Two data API processes on one PGlite folder: real OS processes. */
describe('a PGlite data folder opened by two server processes', () => {
  let dir: string;
  const started: ServerProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'neurelo-pglite-'));
  });
  afterAll(() => {
    for (const s of started) s.killGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<ServerProcess> => {
    const server = await startServerProcess({
      NEURELO_API_KEY: KEY,
      DATABASE_URL: undefined,
      PGLITE_DATA_DIR: dir,
    });
    started.push(server);
    return server;
  };
  const call = (server: ServerProcess, name: string, method: string, body?: object) =>
    fetch(`${server.baseUrl}/custom/${name}${method === 'DELETE' ? '?dst=lock-test' : ''}`, {
      method,
      headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('the second fails at start naming the folder and the holder; after a SIGKILL the next takes over', async () => {
    const first = await start();
    const pushed = await call(first, 'queue_push', 'POST', {
      messages: JSON.stringify([{ id: 'kept', dst: 'lock-test', payload: '{"n":1}' }]),
    });
    expect(pushed.status).toBe(200);

    const second = startServerProcess({
      NEURELO_API_KEY: KEY,
      DATABASE_URL: undefined,
      PGLITE_DATA_DIR: dir,
    });
    const refusal = await second.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(ServerStartError);
    const output = (refusal as ServerStartError).output;
    expect((refusal as Error).message).toMatch(/the server exited \(1\) before listening/);
    expect(output).toContain(
      `the PGlite data folder ${dir} is in use by process ${first.serverPid}`,
    );
    // The first one never noticed.
    expect((await call(first, 'queue_depth', 'GET')).status).toBe(200);

    // Acknowledged just before the SIGKILL: it must survive it too.
    const last = await call(first, 'queue_push', 'POST', {
      messages: JSON.stringify([{ id: 'last', dst: 'lock-test', payload: '{"n":2}' }]),
    });
    expect(await last.json()).toEqual({ data: [{ inserted: 1 }] });
    first.killGroup('SIGKILL');
    await first.exited;
    const third = await start();
    expect(third.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        stalePid: first.serverPid,
        msg: `took over the lock of the PGlite data folder from process ${first.serverPid}, which is gone`,
      }),
    );
    // What the first one acknowledged survived its SIGKILL.
    for (const [id, payload] of [
      ['kept', '{"n":1}'],
      ['last', '{"n":2}'],
    ]) {
      const popped = await call(third, 'queue_pop', 'DELETE');
      expect(await popped.json()).toEqual({
        data: [expect.objectContaining({ element_identifier: id, payload })],
      });
    }
    expect(await third.stop()).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
  }, 150_000);
});
