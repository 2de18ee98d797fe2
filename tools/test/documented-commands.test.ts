/**
 * The shell blocks of README.md and docs/*.md, run as written (issue 23): every ```sh block
 * that its doc-test marker does not set aside (tools/src/doc-blocks/extract.ts has the
 * markers) runs with `bash -e -o pipefail -c`, in order, in a scratch copy of this checkout
 * (the files `git ls-files -co --exclude-standard` lists, so uncommitted edits count). The
 * README's first block runs `npm ci` there; the later blocks use what it installed.
 *
 * Blocks of one document may lean on earlier ones (a fleet started in one, used in the next).
 * Documents do not lean on each other: after each, whatever it left running is stopped (every
 * process still working in the scratch copy: its fleet, background jobs) and its fleet's state
 * is removed, and each gets a fresh database on the PostgreSQL of DATABASE_URL when that
 * is set, as a reader starting on that document would have. The blocks see this test's
 * environment with three changes: that DATABASE_URL; the local fleet's settings (FLEET_*,
 * PAXOS_*, NEURELO_API_*) left out, since the docs are written for the defaults; and
 * deploy/docker-shim first on PATH when it exists.
 *
 * The local fleet's documented ports (7070, 7101-7160) are used by no other test; a taken one
 * fails the run before anything starts. The table of blocks (ran, skipped with the reason,
 * containers) is printed and written to test-results/documented-commands.txt, each block's
 * output to test-results/documented-commands/.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTAINER_TEST_BLOCKS } from '../../deploy/containers/readme-blocks';
import { copyCheckout } from '../src/doc-blocks/checkout-copy';
import { documentedShellBlocks, type ShellBlock } from '../src/doc-blocks/extract';
import { portIsFree } from '../src/fleet/port-free';
import { freshFleetDatabase } from './support/fleet-database';

const REPO = path.resolve(__dirname, '..', '..');
/**
 * The README's first block (npm ci, then npm start) takes 80 to 125 s on a 2-core machine,
 * more under load.
 */
const BLOCK_TIMEOUT_MS = 300_000;
/** After SIGINT (a stops-after block) or at the timeout, how long before SIGKILL. */
const STOP_GRACE_MS = 5_000;
const HOOK_TIMEOUT_MS = 120_000;
/** The local fleet's ports at the default FLEET_BASE_PORT: data API, members, dashboard. */
const FLEET_PORTS = [7070, ...Array.from({ length: 60 }, (_, i) => 7101 + i)];
const RESULTS_DIR = path.join(REPO, 'test-results');
const LOG_DIR = path.join(RESULTS_DIR, 'documented-commands');
const SETTINGS_LEFT_OUT = /^(FLEET_|PAXOS_|NEURELO_API_)/;

// Read at load: a malformed marker fails the suite at once, naming file:line.
const blocks = documentedShellBlocks(REPO);
const documents = [...new Set(blocks.map((b) => b.file))].map(
  (file) => [file, blocks.filter((b) => b.file === file)] as const,
);

const where = (b: ShellBlock) => `${b.file}:${b.line}`;
type Outcome = { outcome: string; seconds?: number; note: string };
const outcomes = new Map<string, Outcome>();

let scratch = '';
let blockEnv: NodeJS.ProcessEnv = {};

async function assertFleetPortsFree(when: string): Promise<void> {
  const taken: number[] = [];
  for (const port of FLEET_PORTS) if (!(await portIsFree(port))) taken.push(port);
  if (taken.length > 0) {
    throw new Error(
      `${when}: port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} taken: the documented ` +
        'commands need the local fleet ports 7070 and 7101-7160 (is a fleet running? ' +
        '`npm run fleet -- down` stops it)',
    );
  }
}

interface BlockRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  stdoutLines: number;
  /** Still running when its stops-after time came. */
  stillRunning: boolean;
  timedOut: boolean;
  seconds: number;
}

/** Runs one block in its own process group; whatever the group leaves behind is killed. */
function runBlock(code: string, timeoutMs: number, stopAfterSeconds?: number): Promise<BlockRun> {
  const started = Date.now();
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], {
    cwd: scratch,
    env: blockEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let stdoutText = '';
  child.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    stdoutText += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => chunks.push(c));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  let stillRunning = false;
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (stopAfterSeconds !== undefined) {
    timers.push(
      setTimeout(() => {
        stillRunning = true;
        killGroup('SIGINT');
        timers.push(setTimeout(() => killGroup('SIGKILL'), STOP_GRACE_MS));
      }, stopAfterSeconds * 1000),
    );
  }
  timers.push(
    setTimeout(() => {
      timedOut = true;
      killGroup('SIGKILL');
    }, timeoutMs),
  );
  return new Promise((resolve) => {
    child.once('exit', (exitCode, signal) => {
      for (const t of timers) clearTimeout(t);
      killGroup('SIGKILL'); // background jobs the block started and left
      // Their pipes close with them; do not wait for ever on one that something else holds.
      const done = () =>
        resolve({
          code: exitCode,
          signal,
          output: Buffer.concat(chunks).toString('utf8'),
          stdoutLines: stdoutText.split('\n').filter((l) => l.trim() !== '').length,
          stillRunning,
          timedOut,
          seconds: (Date.now() - started) / 1000,
        });
      const fallback = setTimeout(done, 2_000);
      child.once('close', () => {
        clearTimeout(fallback);
        done();
      });
    });
  });
}

/** Processes whose working directory is in the scratch copy: the fleets and tools we started. */
function processesInScratch(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === scratch || cwd.startsWith(`${scratch}/`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Stops what a document left running and removes its fleet's state. Not `npm run fleet --
 * down`: its services are stopped the same way (SIGTERM, then SIGKILL), but the fleet runner
 * waits its whole 8 s for processes that have exited and await their reaping (isAlive counts
 * a zombie), which cost 10 s a document.
 */
async function endDocument(): Promise<void> {
  if (!scratch) return;
  signalAll(processesInScratch(), 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline && processesInScratch().length > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
  signalAll(processesInScratch(), 'SIGKILL');
  rmSync(path.join(scratch, '.fleet'), { recursive: true, force: true });
}

const tail = (text: string, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

function report(): string {
  const rows = blocks.map((b) => {
    const o = outcomes.get(where(b)) ?? { outcome: 'not reached', note: '' };
    return [where(b), o.outcome, o.seconds === undefined ? '' : o.seconds.toFixed(1), o.note];
  });
  const header = ['block', 'outcome', 'seconds', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const count = (o: string) => rows.filter((r) => r[1] === o).length;
  return [
    line(header),
    ...rows.map(line),
    `${count('ran')} ran, ${count('skipped')} skipped, ${count('containers')} left to the ` +
      `container test, ${rows.length - count('ran') - count('skipped') - count('containers')} failed or not run`,
  ].join('\n');
}

beforeAll(async () => {
  await assertFleetPortsFree('before the first block');
  scratch = mkdtempSync(path.join(os.tmpdir(), 'documented-commands-'));
  copyCheckout(REPO, scratch);
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  // Each document's afterAll has stopped its fleet; one left by a failed hook is stopped here.
  if (scratch && existsSync(path.join(scratch, '.fleet', 'run', 'fleet.json'))) {
    const down = await runBlock('npm run fleet -- down', 60_000);
    if (down.code !== 0) console.log(`npm run fleet -- down failed:\n${tail(down.output)}`);
  }
  await endDocument();
  const table = report();
  console.log(`documented shell blocks (scratch copy ${scratch}):\n${table}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'documented-commands.txt'), `${table}\n`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

describe.each(documents)('%s', (file, docBlocks) => {
  let failed: string | null = null;
  let dropDatabase: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    if (!scratch) return;
    await assertFleetPortsFree(`before ${file}`);
    const db = await freshFleetDatabase(`doc_${file.replace(/\W+/g, '_')}`);
    dropDatabase = db.drop;
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!SETTINGS_LEFT_OUT.test(k)) env[k] = v;
    const shim = path.join(scratch, 'deploy', 'docker-shim');
    if (existsSync(path.join(shim, 'docker'))) env.PATH = `${shim}:${env.PATH ?? ''}`;
    if (db.databaseUrl) env.DATABASE_URL = db.databaseUrl;
    blockEnv = env;
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await endDocument();
    await dropDatabase();
  }, HOOK_TIMEOUT_MS);

  for (const block of docBlocks) {
    const at = where(block);
    const mark = block.mark;
    if (mark.kind === 'skip') {
      outcomes.set(at, { outcome: 'skipped', note: mark.reason });
      it.skip(`${at} (skipped: ${mark.reason})`, () => undefined);
      continue;
    }
    if (mark.kind === 'containers') {
      it(`${at} is run by the container test as ${mark.id}`, () => {
        const listed = CONTAINER_TEST_BLOCKS.includes(mark.id);
        outcomes.set(at, {
          outcome: listed ? 'containers' : 'FAILED',
          note: listed
            ? `npm run test:containers runs it (${mark.id})`
            : `${mark.id} is not in CONTAINER_TEST_BLOCKS`,
        });
        if (!listed) {
          throw new Error(
            `${at} is marked "containers: ${mark.id}", but deploy/containers/readme-blocks.ts ` +
              `does not list ${mark.id} in CONTAINER_TEST_BLOCKS: no test runs it`,
          );
        }
      });
      continue;
    }
    const stopAfter = mark.stopAfterSeconds;
    it(
      `${at} runs${stopAfter ? ` (stopped after ${stopAfter} s)` : ''}`,
      async () => {
        if (!scratch) throw new Error('no scratch copy (see the first error)');
        if (failed) {
          outcomes.set(at, { outcome: 'not run', note: `${failed} failed before it` });
          throw new Error(`not run: ${failed}, earlier in ${file}, failed`);
        }
        const r = await runBlock(block.code, BLOCK_TIMEOUT_MS, stopAfter);
        writeFileSync(
          path.join(LOG_DIR, `${at.replace(/[/:]/g, '_')}.log`),
          `$ ${block.code}\n${r.output}`,
        );
        const problem = r.timedOut
          ? `timed out after ${BLOCK_TIMEOUT_MS / 1000} s`
          : stopAfter !== undefined
            ? !r.stillRunning && r.code !== 0
              ? `exited ${r.code ?? r.signal} before its ${stopAfter} s were up`
              : r.stdoutLines === 0
                ? `printed nothing in ${stopAfter} s`
                : null
            : r.code !== 0
              ? `exited ${r.code ?? r.signal}`
              : null;
        const note = stopAfter ? `stopped after ${stopAfter} s` : '';
        outcomes.set(at, {
          outcome: problem ? 'FAILED' : 'ran',
          seconds: r.seconds,
          note: problem ?? note,
        });
        if (problem) {
          failed = at;
          throw new Error(
            `${at} ${problem}:\n${block.code}\n--- the last lines of its output ---\n${tail(r.output)}`,
          );
        }
      },
      BLOCK_TIMEOUT_MS + 2 * STOP_GRACE_MS,
    );
  }
});
