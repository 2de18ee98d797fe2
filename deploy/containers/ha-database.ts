import { z } from 'zod';
import { checkNothingLost } from './failover';
import { isReady, waitFor } from './fleet-http';
import { type ComposeProject } from './podman';
import { check, step } from './report';
import { ROLES, urlOf } from './settings';
import { Writers } from './writers';

/** The database nodes of docker-compose.yml's profile `ha`. */
const HA_DATABASE_NODES = ['pg-0', 'pg-1', 'pg-2'];
/** The profile's data API, which follows the primary among HA_DATABASE_NODES. */
const HA_DATA_API = 'neurelo-ha';

const PATRONI_CONFIG = '/etc/patroni/patroni.yml';
const WRITES_AFTER_FAILOVER = 20;

/** A row of `patronictl list -f json`. */
const MemberRow = z.object({
  Member: z.string(),
  Role: z.string(),
  State: z.string(),
  TL: z.number().optional(),
});
type Member = z.infer<typeof MemberRow>;

/** The cluster as the Patroni of `askVia` sees it; null when that node does not answer. */
async function members(project: ComposeProject, askVia: string): Promise<Member[] | null> {
  const r = await project
    .exec(askVia, ['patronictl', '-c', PATRONI_CONFIG, 'list', '-f', 'json'], 15_000)
    .catch(() => null);
  if (!r || r.code !== 0) return null;
  const parsed = z.array(MemberRow).safeParse(JSON.parse(r.stdout || 'null'));
  return parsed.success ? parsed.data : null;
}

/** The cluster as the first of `nodes` that answers sees it. */
async function clusterView(project: ComposeProject, nodes: string[]): Promise<Member[] | null> {
  for (const node of nodes) {
    const view = await members(project, node);
    if (view) return view;
  }
  return null;
}

const describe = (view: Member[]) =>
  view.map((m) => `${m.Member} ${m.Role} ${m.State} TL${m.TL ?? '?'}`).join(', ');

/**
 * Every node of `nodes` runs: a primary, a synchronous standby and the other standbys streaming
 * from it. The state in which a machine loss costs no acknowledged commit and a failover can go
 * ahead.
 */
async function wholeCluster(
  project: ComposeProject,
  nodes: string[],
): Promise<{ primary: string; view: Member[] } | null> {
  const view = await clusterView(project, nodes);
  if (!view) return null;
  const running = (m: Member) =>
    m.Role === 'Leader' ? m.State === 'running' : ['running', 'streaming'].includes(m.State);
  const primary = view.find((m) => m.Role === 'Leader' && running(m));
  const complete =
    nodes.every((n) => view.some((m) => m.Member === n && running(m))) &&
    view.some((m) => m.Role === 'Sync Standby' && running(m));
  return primary && complete ? { primary: primary.Member, view } : null;
}

/**
 * docker-compose.yml's profile `ha`, already up with the fleet (test-containers.ts): while
 * clients write, the primary's container is killed, which takes its PostgreSQL and its Patroni
 * together, as a machine loss would. A standby must be promoted, the data API follow it and
 * writes resume; the old primary, started again, must come back as a standby. Then the
 * replicas converge and no acknowledged write is lost.
 */
export async function haDatabaseScenario(project: ComposeProject): Promise<void> {
  step(
    'waiting for the database cluster (a primary and two standbys, one synchronous) and every role',
  );
  const since = Date.now();
  const first = await waitFor('every database node running', 300_000, () =>
    wholeCluster(project, HA_DATABASE_NODES),
  ).catch(() => null);
  const ready = await waitFor('every role /readyz', 180_000, async () =>
    (await Promise.all(ROLES.map((r) => isReady(urlOf(r))))).every(Boolean) ? true : null,
  ).catch(() => false);
  check(
    'the profile ha comes up: three database nodes under Patroni, and the fleet ready on them',
    first !== null && ready === true,
    first
      ? `${describe(first.view)}; ${Date.now() - since} ms`
      : `${describe((await clusterView(project, HA_DATABASE_NODES)) ?? [])}`,
  );
  if (!first || ready !== true) return;
  // A node's healthcheck passes from its first successful run on (compose's start period).
  let unhealthy: string[] = [];
  await waitFor('the compose healthchecks', 90_000, async () => {
    unhealthy = await project.failingHealthchecks([...HA_DATABASE_NODES, HA_DATA_API]);
    return unhealthy.length === 0 ? true : null;
  }).catch(() => null);
  check(
    'the database nodes and the data API pass their compose healthchecks',
    unhealthy.length === 0,
    unhealthy.join('; '),
  );

  const writers = new Writers([urlOf('replica-0'), urlOf('replica-1')], 2, 10);
  writers.start();
  try {
    await waitFor('writes before the failover', 90_000, async () =>
      writers.acknowledgedSince(0) >= 20 ? true : null,
    );
    await loseThePrimary(project, writers, first.primary);
  } finally {
    await writers.stop();
  }
  await checkNothingLost(writers);
}

async function loseThePrimary(
  project: ComposeProject,
  writers: Writers,
  primary: string,
): Promise<void> {
  step(`killing the primary's container ${primary} (PostgreSQL and Patroni together, SIGKILL)`);
  await project.kill(primary);
  const killedAt = Date.now();
  const survivors = HA_DATABASE_NODES.filter((n) => n !== primary);

  const promoted = await waitFor('a standby promoted', 120_000, async () => {
    const view = await clusterView(project, survivors);
    const leader = view?.find((m) => m.Role === 'Leader' && m.State === 'running');
    return leader && leader.Member !== primary ? leader.Member : null;
  }).catch(() => null);
  check(
    'a standby is promoted',
    promoted !== null,
    promoted ? `${promoted} primary ${Date.now() - killedAt} ms after the kill` : 'none',
  );
  const resumed = await waitFor('writes after the failover', 120_000, async () =>
    writers.acknowledgedSince(killedAt) >= WRITES_AFTER_FAILOVER ? true : null,
  ).catch(() => false);
  const gap = writers.outage(killedAt);
  check(
    'writes resume on the new primary',
    resumed === true,
    `no write acknowledged for ${(gap.outageMs / 1000).toFixed(1)} s around the kill; ` +
      `${writers.acknowledgedSince(killedAt)} issued after it acknowledged`,
  );

  step(`starting ${primary} again: it must rejoin as a standby`);
  const startedAt = Date.now();
  await project.start(primary);
  const rejoined = await waitFor(`${primary} a standby again`, 180_000, async () => {
    const view = await clusterView(project, HA_DATABASE_NODES);
    const leader = view?.find((m) => m.Role === 'Leader');
    const old = view?.find((m) => m.Member === primary);
    return view &&
      leader &&
      old &&
      old.Role !== 'Leader' &&
      old.State === 'running' &&
      old.TL === leader.TL
      ? view
      : null;
  }).catch(() => null);
  check(
    'the old primary rejoins as a standby on the new timeline',
    rejoined !== null,
    rejoined
      ? `${describe(rejoined)}; ${Date.now() - startedAt} ms after its start`
      : `${describe((await clusterView(project, HA_DATABASE_NODES)) ?? [])}`,
  );
  await waitFor('writes after the rejoin', 60_000, async () =>
    writers.acknowledgedSince(Date.now() - 5_000) >= 5 ? true : null,
  ).catch(() => null);
}
