import { acknowledgedWrites, findLostWrites } from '../../tools/src/workload/lost-writes';
import { replicaClient } from './client-key';
import { activeLeader, isReady, sleep, waitFor, waitForConvergence } from './fleet-http';
import { partitionActiveLeader } from './partition';
import { type ComposeProject } from './podman';
import { replaceAcceptor } from './replace-acceptor';
import { check, step } from './report';
import { ROLES, urlOf, urls } from './settings';
import { Writers } from './writers';

/** The acceptor whose container is killed together with the active leader's. */
const VICTIM_ACCEPTOR = 'acceptor-1';
/** The replica whose process is crashed to exercise the restart policy. */
const CRASHED_REPLICA = 'replica-1';
const WRITES_AFTER_KILL = 20;
/** How long the postgres container stays down (the outage docs/operations.md describes). */
const DATABASE_DOWN_MS = 12_000;

/**
 * The fleet with the local data API, already up: while clients write, cut the active leader
 * off the network and put it back (partition.ts), kill an acceptor and the active leader, see
 * another leader take over, restart them, crash a replica's process, kill the database and
 * start it again, replace an acceptor with a new member (replace-acceptor.ts), then check
 * convergence and that no acknowledged write was lost.
 */
export async function failoverScenario(
  project: ComposeProject,
  withDashboard: boolean,
  adminKey: string,
): Promise<void> {
  // The README's `docker compose up -d --build` started them (test-containers.ts).
  const services = ['postgres', 'neurelo', ...ROLES, ...(withDashboard ? ['dashboard'] : [])];
  step('waiting for every role to be ready');
  const readySince = Date.now();
  await waitFor('every role /readyz', 120_000, async () =>
    (await Promise.all(ROLES.map((r) => isReady(urlOf(r))))).every(Boolean) ? true : null,
  );
  check('the fleet comes up and every role is ready', true, `${Date.now() - readySince} ms`);

  const unhealthy = await project.failingHealthchecks(services);
  check(
    'every container passes its compose healthcheck',
    unhealthy.length === 0,
    unhealthy.join('; '),
  );

  const leaders = urls('leader');
  const firstLeader = await waitFor('an active leader', 60_000, () => activeLeader(leaders));
  console.log(`   active leader: ${firstLeader}`);

  const writers = new Writers(Object.values(urls('replica')), 2, 10);
  writers.start();
  try {
    await waitFor('writes before the faults', 60_000, async () =>
      writers.acknowledgedSince(0) >= 20 ? true : null,
    );
    check(
      'writes succeed through the replicas',
      true,
      `${writers.acknowledgedSince(0)} acknowledged`,
    );
    await partitionActiveLeader(project, writers);
    // The partition moves the leadership: the kill goes to whichever leader is active now.
    const leading = await waitFor('an active leader', 60_000, () => activeLeader(leaders));
    await killAndFailOver(project, writers, leading);
    await crashAndRestart(project, writers);
    await killTheDatabase(project, writers);
    await replaceAcceptor(project, writers, adminKey, withDashboard);
  } finally {
    await writers.stop();
  }
  await checkNothingLost(writers);
}

/**
 * After the writers stopped: the replicas converge, and every acknowledged write is found when
 * each key is read back (one sequential writer per key makes that check exact).
 */
export async function checkNothingLost(writers: Writers): Promise<void> {
  const history = writers.history;
  console.log(
    `   ${history.length} commands issued, ${acknowledgedWrites(history)} acknowledged, ` +
      `${history.filter((op) => op.output === null).length} unanswered`,
  );

  step('waiting for the replicas to converge');
  const conv = await waitForConvergence(urls('replica'), 90_000);
  check(
    'the replicas converge (same slotOut and state digest)',
    conv.converged,
    conv.views.map((v) => (v ? `${v.name} slotOut=${v.slotOut}` : 'no answer')).join(', '),
  );

  const keys = writers.keys();
  const lost = findLostWrites(history, await readBack(keys));
  check(
    'no acknowledged write is lost',
    lost.length === 0 && acknowledgedWrites(history) > 0,
    lost.length === 0
      ? `${keys.length} keys read back`
      : lost
          .map((l) => `${l.key}=${String(l.actual)} not in ${JSON.stringify(l.allowed)}`)
          .join('; '),
  );
}

async function killAndFailOver(
  project: ComposeProject,
  writers: Writers,
  firstLeader: string,
): Promise<void> {
  step(`killing ${VICTIM_ACCEPTOR} and the active leader ${firstLeader} (SIGKILL)`);
  await project.kill(VICTIM_ACCEPTOR);
  await project.kill(firstLeader);
  // `podman kill` has returned: the processes are gone, so a command issued from now on can
  // only be decided by the surviving leader.
  const killedAt = Date.now();
  const down =
    !(await project.isRunning(VICTIM_ACCEPTOR)) && !(await project.isRunning(firstLeader));
  check('the killed containers stay down (an explicit kill is not restarted)', down);

  const others = Object.fromEntries(
    Object.entries(urls('leader')).filter(([n]) => n !== firstLeader),
  );
  const newLeader = await waitFor('another active leader', 90_000, () =>
    activeLeader(others),
  ).catch(() => null);
  check(
    'another leader takes over',
    newLeader !== null,
    newLeader ? `${newLeader} active ${Date.now() - killedAt} ms after the kill` : 'none active',
  );
  // With no leader there is nothing to wait for: the check fails at once.
  const kept =
    newLeader !== null &&
    (await waitFor('writes after the kill', 90_000, async () =>
      writers.acknowledgedSince(killedAt) >= WRITES_AFTER_KILL ? true : null,
    ).catch(() => false));
  const firstAfter = writers.history
    .filter((op) => op.output !== null && op.call >= killedAt)
    .reduce((min, op) => Math.min(min, op.return ?? Infinity), Infinity);
  check(
    'writes keep succeeding after the failover',
    kept === true,
    `${writers.acknowledgedSince(killedAt)} issued after the kill acknowledged, the first ` +
      `${Number.isFinite(firstAfter) ? `${firstAfter - killedAt} ms` : 'never'} after it`,
  );

  step(`restarting ${VICTIM_ACCEPTOR} and ${firstLeader}`);
  const restartedAt = Date.now();
  await project.start(VICTIM_ACCEPTOR);
  await project.start(firstLeader);
  const back = await waitFor('the restarted roles to be ready', 120_000, async () =>
    (await isReady(urlOf(VICTIM_ACCEPTOR))) && (await isReady(urlOf(firstLeader))) ? true : null,
  ).catch(() => false);
  check(
    'the restarted containers recover and are ready',
    back === true,
    `${Date.now() - restartedAt} ms`,
  );
  // More traffic with every process back, so the restarted ones take part in it.
  await waitFor('writes after the restart', 60_000, async () =>
    writers.acknowledgedSince(restartedAt) >= 10 ? true : null,
  ).catch(() => null);
}

async function crashAndRestart(project: ComposeProject, writers: Writers): Promise<void> {
  step(`crashing ${CRASHED_REPLICA}'s process (SIGKILL from the host, not a container stop)`);
  const before = await project.crash(CRASHED_REPLICA);
  const crashedAt = Date.now();
  const restarted = await waitFor('the restart policy to restart it', 60_000, async () =>
    (await project.restartCount(CRASHED_REPLICA)) > before &&
    (await isReady(urlOf(CRASHED_REPLICA)))
      ? true
      : null,
  ).catch(() => false);
  check(
    'the restart policy brings a crashed service back',
    restarted === true,
    `${CRASHED_REPLICA} ready ${Date.now() - crashedAt} ms after the crash`,
  );
  await waitFor('writes after the crash', 60_000, async () =>
    writers.acknowledgedSince(crashedAt) >= 10 ? true : null,
  ).catch(() => null);
}

/**
 * SIGKILLs the postgres container under writes, keeps it down DATABASE_DOWN_MS, starts it
 * again, and measures what clients see: the gap between the last write acknowledged before
 * and the first after, and how long after the start writes resumed. Nothing may be lost
 * (checked at the end with the rest of the history).
 */
async function killTheDatabase(project: ComposeProject, writers: Writers): Promise<void> {
  step(`killing postgres (SIGKILL) under writes, starting it ${DATABASE_DOWN_MS / 1000} s later`);
  const killedAt = Date.now();
  await project.kill('postgres');
  await sleep(DATABASE_DOWN_MS);
  const startedAt = Date.now();
  await project.start('postgres');
  const resumed = await waitFor('writes after postgres is back', 120_000, async () =>
    writers.acknowledgedSince(startedAt) >= 10 ? true : null,
  ).catch(() => false);
  const gap = writers.outage(killedAt, startedAt);
  check(
    'writes resume after the database comes back',
    resumed === true,
    `no write acknowledged for ${(gap.outageMs / 1000).toFixed(1)} s; ` +
      `${gap.answeredBetween} answered while it was down; the first ` +
      `${(gap.resumedAfterMs / 1000).toFixed(1)} s after postgres was started`,
  );
}

/** Each key's value, read through the log (a get is a command like any other). */
async function readBack(keys: string[]): Promise<Map<string, string | null>> {
  const reader = replicaClient(30_000);
  const values = new Map<string, string | null>();
  for (const key of keys) {
    const { result } = await reader.run({ kind: 'get', key });
    if (result === null) throw new Error(`reading ${key} got no answer`);
    values.set(key, result.value);
  }
  return values;
}
