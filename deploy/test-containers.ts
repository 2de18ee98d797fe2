/**
 * `npm run test:containers`: the fleet as containers, brought up as the README says, with
 * real kills.
 *
 * 1. Local stand-ins for the base images that cannot be pulled (deploy/standin-images.sh).
 * 2. A copy of the checkout (the files git lists, uncommitted edits included) in a folder
 *    named after the compose project, where the README's compose blocks run as written
 *    (containers/readme-blocks.ts), `docker compose` being podman-compose through
 *    deploy/docker-shim: `cp .env.example .env`, `sh deploy/fill-secrets.sh .env`,
 *    `docker compose up -d --build` (podman builds the image from the Dockerfile), then the
 *    two curl commands against replica-0. Clients then write through the replicas' published
 *    ports (with the PAXOS_KEY fill-secrets made) while: the active leader's container is
 *    taken off the network and put back; an acceptor's and the active leader's containers are
 *    SIGKILLed and restarted; a replica's process is crashed for the restart policy to bring
 *    back; the postgres container is SIGKILLed, kept down, and started again (the write
 *    pause is measured); acceptor-1 is replaced by acceptor-3, a new service block with a new
 *    id, through POST /admin/reconfigure, and its rows are retired. The replicas must converge
 *    and no acknowledged write may be lost. Then operations.md's compose backup and restore
 *    run as written between two writes (containers/compose-restore.ts).
 * 3. The same compose file against a data API that compose does not run (as a hosted Neurelo
 *    environment): the roles started with `up -d <roles>`, the documented way for
 *    podman-compose 1.0, which ignores profiles; postgres and the local server must not run.
 * 4. The same compose file's profile `ha`, brought up as docs/operations.md says in another
 *    copy of the checkout: three PostgreSQL nodes under Patroni, three etcd members and the
 *    data API that follows the primary, the database image built from deploy/postgres-ha (on
 *    a stand-in debian:bookworm-slim). Then (containers/ha-database.ts), while clients write,
 *    the primary's container is killed; a standby must take over, writes resume, the old
 *    primary rejoin as a standby, and nothing acknowledged be lost.
 * Every fleet runs in production mode, as compose ships it. Everything is brought down at the
 * end, also on failure. One line per check, then "N passed, N failed".
 *
 * Environment: CTEST_PROJECT (compose project, default paxosctest), CTEST_BASE_PORT (moves
 * the published ports, replica-0's to it; default: the documented ports, 8081 and up),
 * CTEST_KEEP=1 (leave the first fleet up to look at), CTEST_ENV (more settings appended to
 * the copy's .env.example before the README's steps run, e.g. "LEADER_TIMEOUT_MS=600000" to
 * see the failover checks fail when no leader takes over). Those two are the only changes the
 * test makes to the copy before following the README. CTEST_SCENARIOS (default
 * "readme,hosted,ha") runs only those listed; without readme, the image must exist already.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { portIsFree } from '../tools/src/fleet/port-free';
import { copyOfCheckout } from './containers/checkout-copy';
import { clientKey, clientKeysEntry, useClientKey } from './containers/client-key';
import { backupAndRestoreScenario } from './containers/compose-restore';
import { failoverScenario } from './containers/failover';
import { haDatabaseScenario } from './containers/ha-database';
import { reportFailure } from './containers/failure-report';
import { HOSTED_ALIAS, hostedDataApiScenario } from './containers/hosted-data-api';
import { ComposeProject, run, tail } from './containers/podman';
import { runDocumentedBlock } from './containers/readme-blocks';
import { check, failures, step, summarize } from './containers/report';
import { IMAGE, PORT_VARS, PROJECT, portEnv, portOf, withTestPorts } from './containers/settings';

const ROOT = path.resolve(__dirname, '..');
const KEEP = process.env.CTEST_KEEP === '1';
const SCENARIOS = (process.env.CTEST_SCENARIOS ?? 'readme,hosted,ha').split(',');

async function preflight(): Promise<void> {
  for (const tool of ['podman', 'podman-compose']) {
    const r = await run(tool, ['--version'], { check: false }).catch(() => null);
    if (!r || r.code !== 0) {
      throw new Error(`${tool} is not installed (see shared/containers.md and .ci/run)`);
    }
  }
  for (const service of Object.keys(PORT_VARS)) {
    if (!(await portIsFree(portOf(service)))) {
      throw new Error(`port ${portOf(service)} on 127.0.0.1 is taken; set CTEST_BASE_PORT`);
    }
  }
}

const secret = () => randomBytes(18).toString('hex');

/** CTEST_ENV="LEADER_TIMEOUT_MS=600000 LOG_LEVEL=debug": more settings for the fleets' .env. */
function extraEnv(): Record<string, string> {
  const pairs = (process.env.CTEST_ENV ?? '').split(/\s+/).filter((p) => p.length > 0);
  return Object.fromEntries(
    pairs.map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new Error(`CTEST_ENV: "${p}" is not NAME=value`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    }),
  );
}

const envLines = (env: Record<string, string>): string =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');

/** The value `name` is set to in an env file's text (its last line setting it). */
function envValue(text: string, name: string): string {
  const values = [...text.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!);
  return values.at(-1)?.trim() ?? '';
}

/**
 * The copy of the checkout the README's steps run in. The test's only changes before them:
 * with CTEST_BASE_PORT, the published ports moved; with CTEST_ENV, its settings appended to
 * .env.example (so that `cp .env.example .env` carries them).
 */
function readmeFolder(name = PROJECT): string {
  const dir = copyOfCheckout(ROOT, name);
  const extra = { ...(process.env.CTEST_BASE_PORT ? portEnv() : {}), ...extraEnv() };
  if (Object.keys(extra).length > 0)
    appendFileSync(path.join(dir, '.env.example'), envLines(extra));
  return dir;
}

/**
 * A folder of its own holding the compose file and a .env the test writes: podman-compose
 * reads the .env beside the compose file, and a developer's own .env must not leak in.
 */
function composeFolder(name: string, composeText: string, env: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  writeFileSync(path.join(dir, 'docker-compose.yml'), composeText);
  const all = {
    PAXOS_IMAGE: IMAGE,
    PUBLISH_ADDRESS: '127.0.0.1',
    ...portEnv(),
    ...env,
    ...extraEnv(),
  };
  writeFileSync(path.join(dir, '.env'), envLines(all), { mode: 0o600 });
  return dir;
}

/**
 * Runs a scenario on a fresh compose project and always tears the project down after it;
 * `removeDir` goes with it.
 */
async function withProject(
  name: string,
  dir: string,
  removeDir: string,
  budgetMs: number,
  scenario: (p: ComposeProject) => Promise<void>,
  keep = false,
): Promise<void> {
  const project = new ComposeProject(name, dir);
  await project.destroy(); // whatever an interrupted run left
  const failedBefore = failures();
  let timer: NodeJS.Timeout | undefined;
  // A fleet that hangs must not keep the test (and CI) waiting: past the budget the scenario
  // is abandoned, the fleet removed, and the process exits at the end.
  const overBudget = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running after ${budgetMs / 1000} s; abandoned`)),
      budgetMs,
    );
  });
  try {
    await Promise.race([scenario(project), overBudget]);
  } catch (err) {
    check(`${name}: the scenario runs to the end`, false, (err as Error).message);
  } finally {
    clearTimeout(timer);
    if (failures() > failedBefore) await reportFailure(project, name);
    if (keep) {
      console.log(
        `CTEST_KEEP=1: remove the fleet with: cd ${dir} && podman-compose -p ${name} down -v`,
      );
    } else {
      step(`tearing ${name} down`);
      await project.destroy();
      const left = await project.containers();
      check(`${name} is removed (no container left)`, left.length === 0, left.join(', '));
      rmSync(removeDir, { recursive: true, force: true });
    }
  }
}

/**
 * The README's compose steps, run as written in `project.dir`: the quick start (copy
 * .env.example, fill in the secrets, `docker compose up -d --build`), then its two curl
 * commands. Returns the admin key fill-secrets made, or null when the fleet did not come up.
 */
async function followTheReadme(project: ComposeProject): Promise<string | null> {
  const env = { COMPOSE_PROJECT_NAME: project.name };
  step(
    'the README: cp .env.example .env, sh deploy/fill-secrets.sh .env, docker compose up -d --build',
  );
  const quick = await runDocumentedBlock(
    'compose-quick-start',
    project.dir,
    env,
    900_000,
    withTestPorts,
  );
  const up = check(
    `the README's compose quick start runs as written (${quick.where})`,
    quick.code === 0,
    `exit ${quick.code} after ${(quick.ms / 1000).toFixed(1)} s`,
  );
  if (!up) return null;
  const dotEnv = readFileSync(path.join(project.dir, '.env'), 'utf8');
  useClientKey(envValue(dotEnv, 'PAXOS_KEY'));
  // Compose tools differ in how they interpolate: the secret must reach the containers as set.
  const password = await project.exec('postgres', ['sh', '-c', 'printf %s "$POSTGRES_PASSWORD"']);
  check(
    'the database password in the containers is the one fill-secrets wrote into .env',
    password.code === 0 && password.stdout === envValue(dotEnv, 'POSTGRES_PASSWORD'),
    password.stdout.startsWith('$') ? `it is the literal ${password.stdout}` : '',
  );

  step("the README's two curl commands against replica-0");
  const curl = await runDocumentedBlock('compose-curl', project.dir, env, 300_000, withTestPorts);
  check(
    `the fleet answers the README's curl commands (${curl.where})`,
    curl.code === 0 && /"sessionId":\d+/.test(curl.stdout) && /"ok":true/.test(curl.stdout),
    `exit ${curl.code}: ${tail(curl.stdout, 2).replace(/\n/g, ' | ')}`,
  );

  // The CLI runs from the checkout's packages: the copy borrows its node_modules (a user has
  // run `npm ci` in theirs).
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(project.dir, 'node_modules'));
  step('operations.md: the CLI against the compose fleet');
  const kv = await runDocumentedBlock('compose-kv', project.dir, env, 120_000, withTestPorts);
  check(
    `the CLI puts and gets through the compose fleet (${kv.where})`,
    kv.code === 0 && kv.stdout.trim().split('\n').at(-1) === 'hello',
    `exit ${kv.code}: ${tail(kv.stdout, 1)}`,
  );
  return envValue(dotEnv, 'ADMIN_KEY');
}

async function main(): Promise<void> {
  // The fleet's logs carry UTC times; the steps below carry seconds since this line.
  console.log(`   container test started at ${new Date().toISOString()}`);
  await preflight();
  const withDashboard = existsSync(path.join(ROOT, 'services/dashboard/src/main.ts'));
  if (!withDashboard) console.log('   services/dashboard is absent: the dashboard is not started');

  step('stand-in base images (only those missing locally)');
  await run('bash', [path.join(ROOT, 'deploy/standin-images.sh')], {
    timeoutMs: 300_000,
    echo: true,
  });

  if (SCENARIOS.includes('readme')) {
    const checkout = readmeFolder();
    console.log(`   the README's steps run in ${checkout}`);
    await withProject(
      PROJECT,
      checkout,
      path.dirname(checkout),
      1_500_000,
      async (p) => {
        const adminKey = await followTheReadme(p);
        if (adminKey === null) return;
        await failoverScenario(p, withDashboard, adminKey);
        await backupAndRestoreScenario(p);
      },
      KEEP,
    );
    if (KEEP) return;
  }
  const composeText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  if (SCENARIOS.includes('hosted')) await hostedScenario(composeText);
  if (SCENARIOS.includes('ha')) await haScenario();
}

async function hostedScenario(composeText: string): Promise<void> {
  const hostedKey = `ctest_${secret()}`;
  const hostedName = `${PROJECT}-hosted`;
  const hosted = composeFolder(hostedName, composeText, {
    COMPOSE_PROFILES: '',
    NEURELO_API_BASE: 'http://hosted-neurelo:8080',
    NEURELO_API_KEY: hostedKey,
    ADMIN_KEY: secret(),
    CLIENT_KEYS: clientKeysEntry(),
    PAXOS_KEY: clientKey(),
    DASHBOARD_TOKEN: secret(),
    // The stand-in is plain http on the project's network, as the local data API is.
    DATA_API_PLAIN_HTTP_HOSTS: HOSTED_ALIAS,
  });
  await withProject(hostedName, hosted, hosted, 240_000, (p) =>
    hostedDataApiScenario(p, hostedKey),
  );
}

/**
 * The profile ha brought up as docs/operations.md says (the block compose-ha, in a copy of the
 * checkout), then its primary lost under writes (containers/ha-database.ts).
 */
async function haScenario(): Promise<void> {
  const name = `${PROJECT}-ha`;
  const checkout = readmeFolder(name);
  await withProject(name, checkout, path.dirname(checkout), 1_500_000, async (p) => {
    step(
      'operations.md: the profile ha (etcd, three Patroni nodes, neurelo-ha, the fleet) with ' +
        'docker compose up -d --build',
    );
    const up = await runDocumentedBlock(
      'compose-ha',
      p.dir,
      { COMPOSE_PROJECT_NAME: name },
      1_200_000,
      withTestPorts,
    );
    const ok = check(
      `the profile ha comes up as documented (${up.where})`,
      up.code === 0,
      `exit ${up.code} after ${(up.ms / 1000).toFixed(1)} s`,
    );
    if (!ok) return;
    useClientKey(envValue(readFileSync(path.join(p.dir, '.env'), 'utf8'), 'PAXOS_KEY'));
    await haDatabaseScenario(p);
  });
}

main()
  .catch((err: unknown) => {
    check('the container test runs', false, (err as Error).message);
  })
  .finally(() => {
    // Keep-alive sockets of the HTTP clients would hold the process open.
    process.exit(summarize() ? 0 : 1);
  });
