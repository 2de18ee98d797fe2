/**
 * `npm run test:containers`: the fleet as containers, with real kills.
 *
 * 1. Local stand-ins for the base images that cannot be pulled (deploy/standin-images.sh),
 *    then the image, built by podman from the Dockerfile.
 * 2. docker-compose.yml as a user runs it (podman-compose; profile local-data-api): clients
 *    write through the replicas' published ports while the active leader's container is taken
 *    off the network (`podman network disconnect`, its process still running): another leader
 *    must take over and writes keep succeeding, and once reconnected the old one must rejoin
 *    as a follower. Then an acceptor's container and the active leader's are SIGKILLed;
 *    another leader must take over again; the two are restarted, a replica's process is
 *    crashed for the restart policy to bring back. Then acceptor-1 is replaced by acceptor-3,
 *    a new member (a new service block, a new id, empty state), through POST
 *    /admin/reconfigure, and once the old one is stopped its rows are retired
 *    (containers/replace-acceptor.ts). The replicas must converge and no acknowledged write
 *    may be lost.
 * 3. The same file with the profile off and NEURELO_API_BASE / NEURELO_API_KEY pointing at a
 *    data API that compose does not run (as a hosted Neurelo environment): the roles run
 *    without postgres and the local server.
 * Both fleets run in production mode, as compose ships it: the test makes fresh secrets for
 * each (a client key and its CLIENT_KEYS entry, the dashboard's token, the admin and data API
 * keys) and its clients send the key on every command (containers/client-key.ts).
 * Everything is brought down at the end, also on failure. One line per check, then
 * "N passed, N failed".
 *
 * Environment: CTEST_PROJECT (compose project, default paxosctest), CTEST_BASE_PORT (default
 * 28081: ten ports from it on 127.0.0.1), CTEST_KEEP=1 (leave the first fleet up to look at),
 * CTEST_ENV (more .env settings, e.g. "LEADER_TIMEOUT_MS=600000" to see the failover checks
 * fail when no leader takes over).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { failoverScenario } from './containers/failover';
import { reportFailure } from './containers/failure-report';
import { CLIENT_KEY, CLIENT_KEYS_ENTRY } from './containers/client-key';
import { HOSTED_ALIAS, hostedDataApiScenario } from './containers/hosted-data-api';
import { ComposeProject, run, tail } from './containers/podman';
import { applyProfiles } from './containers/profiles';
import { withMemberService } from './containers/replace-acceptor';
import { check, failures, step, summarize } from './containers/report';
import { ADDED_MEMBERS, IMAGE, PORT_VARS, PROJECT, portEnv, portOf } from './containers/settings';

const ROOT = path.resolve(__dirname, '..');
const KEEP = process.env.CTEST_KEEP === '1';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function preflight(): Promise<void> {
  for (const tool of ['podman', 'podman-compose']) {
    const r = await run(tool, ['--version'], { check: false }).catch(() => null);
    if (!r || r.code !== 0) {
      throw new Error(`${tool} is not installed (see shared/containers.md and .ci/run)`);
    }
  }
  for (const service of Object.keys(PORT_VARS)) {
    if (!(await portFree(portOf(service)))) {
      throw new Error(`port ${portOf(service)} on 127.0.0.1 is taken; set CTEST_BASE_PORT`);
    }
  }
}

const secret = () => randomBytes(18).toString('hex');

/**
 * The secrets production mode (on in docker-compose.yml as shipped) asks for, fresh for this
 * run: the client key's CLIENT_KEYS entry for the replicas, the key itself for the dashboard's
 * relay, and the dashboard's token.
 */
const productionSecrets = (): Record<string, string> => ({
  CLIENT_KEYS: CLIENT_KEYS_ENTRY,
  PAXOS_KEY: CLIENT_KEY,
  DASHBOARD_TOKEN: secret(),
});

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

/**
 * A folder of its own holding the compose file and a .env of fresh secrets: podman-compose
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
  const lines = Object.entries(all).map(([k, v]) => `${k}=${v}`);
  writeFileSync(path.join(dir, '.env'), `${lines.join('\n')}\n`, { mode: 0o600 });
  return dir;
}

/** Runs a scenario on a fresh compose project and always tears the project down after it. */
async function withProject(
  name: string,
  dir: string,
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
      rmSync(dir, { recursive: true, force: true });
    }
  }
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

  step(`building ${IMAGE}`);
  const build = await run(
    'podman',
    ['build', '--pull=never', '--format', 'docker', '--tag', IMAGE, '.'],
    { cwd: ROOT, timeoutMs: 480_000, check: false },
  );
  const built = check(
    'the image builds with podman',
    build.code === 0,
    `${(build.ms / 1000).toFixed(1)}s`,
  );
  if (!built) {
    console.log(tail(build.stdout + build.stderr, 40));
    return;
  }

  const composeText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  // The block a user adds for a new member, in the test's copy; started only when it joins.
  const withAdded = ADDED_MEMBERS.reduce(
    (text, id) => withMemberService(text, id, PORT_VARS[id]!),
    composeText,
  );
  const adminKey = secret();
  const local = composeFolder(PROJECT, withAdded, {
    COMPOSE_PROFILES: 'local-data-api',
    NEURELO_API_KEY: `ctest_${secret()}`,
    POSTGRES_PASSWORD: secret(),
    ADMIN_KEY: adminKey,
    ...productionSecrets(),
  });
  await withProject(
    PROJECT,
    local,
    540_000,
    (p) => failoverScenario(p, withDashboard, adminKey),
    KEEP,
  );
  if (KEEP) return;

  // podman-compose 1.0 ignores profiles: apply them as Docker Compose does.
  const hostedKey = `ctest_${secret()}`;
  const hostedName = `${PROJECT}-hosted`;
  const hosted = composeFolder(hostedName, applyProfiles(composeText, []), {
    COMPOSE_PROFILES: '',
    NEURELO_API_BASE: 'http://hosted-neurelo:8080',
    NEURELO_API_KEY: hostedKey,
    ADMIN_KEY: secret(),
    ...productionSecrets(),
    // The stand-in is plain http on the project's network, as the local data API is.
    DATA_API_PLAIN_HTTP_HOSTS: HOSTED_ALIAS,
  });
  await withProject(hostedName, hosted, 180_000, (p) => hostedDataApiScenario(p, hostedKey));
}

main()
  .catch((err: unknown) => {
    check('the container test runs', false, (err as Error).message);
  })
  .finally(() => {
    // Keep-alive sockets of the HTTP clients would hold the process open.
    process.exit(summarize() ? 0 : 1);
  });
