import { leaderTimings } from '@paxos/leader/src/service/leader-env';
import { LONG_POLL_SECONDS_MAX, loadDataApiConfig } from '@paxos/shared';
import { activeLeader, getJson, waitFor } from './fleet-http';
import { run, type ComposeProject } from './podman';
import { check, step } from './report';
import { urls } from './settings';
import type { Writers } from './writers';

/** Writes issued during the partition that must be acknowledged without the old leader. */
const WRITES_DURING_PARTITION = 10;
const WRITES_WAIT_MS = 30_000;
/**
 * The takeover check waits at most this long, whatever the settings allow: a fleet configured
 * to fail over in ten minutes must fail the check, not hold the test for ten minutes.
 */
const TAKEOVER_WAIT_MS_MAX = 60_000;
/** Beyond the scout's due time: phase 1 through the queue and this test's 500 ms polling. */
const SCOUT_SLACK_MS = 2_000;
/** Beyond the old leader's first claim after the reconnection: a step and its commit. */
const REJOIN_SLACK_MS = 5_000;
/** The container from which the reconnected leader's service name is looked up. */
const PEER = 'replica-0';

interface Attachment {
  network: string;
  aliases: string[];
}

interface ContainerFacts {
  id: string;
  running: boolean;
  restarts: number;
  env: Record<string, string>;
  attachments: Attachment[];
  address: string | null;
}

/**
 * A real network partition: the active leader's container is taken off its compose network
 * (`podman network disconnect`) while the writers keep writing. Its process keeps running, still
 * believing it leads, but reaches neither the data API nor anything else. Another leader must
 * take over within what the fleet's own settings promise and writes must keep being
 * acknowledged; then the container is put back on the network under its service name and the
 * old leader must rejoin as a follower. The caller checks convergence and lost writes after.
 */
export async function partitionActiveLeader(
  project: ComposeProject,
  writers: Writers,
): Promise<void> {
  const leaders = urls('leader');
  const cutOff = await waitFor('an active leader to cut off', 30_000, () => activeLeader(leaders));
  const container = await project.container(cutOff);
  const before = await inspect(container);
  const bounds = boundsMs(before.env);

  step(`partition: ${cutOff} off ${before.attachments.map((a) => a.network).join(', ')}`);
  for (const a of before.attachments) {
    await run('podman', ['network', 'disconnect', a.network, container]);
  }
  const partitionedAt = Date.now();
  try {
    await whileCutOff(writers, cutOff, container, before, bounds.takeover, partitionedAt);
  } finally {
    // Under the aliases compose gave it (its service name), not the container id podman adds.
    for (const a of before.attachments) {
      const aliases = a.aliases.filter((alias) => !before.id.startsWith(alias));
      await run('podman', [
        'network',
        'connect',
        ...aliases.flatMap((alias) => ['--alias', alias]),
        a.network,
        container,
      ]);
    }
  }
  step(`partition: ${cutOff} reconnected`);
  await afterReconnection(project, writers, cutOff, container, partitionedAt, bounds.rejoin);
}

async function whileCutOff(
  writers: Writers,
  cutOff: string,
  container: string,
  before: ContainerFacts,
  boundMs: number,
  partitionedAt: number,
): Promise<void> {
  const others = Object.fromEntries(Object.entries(urls('leader')).filter(([n]) => n !== cutOff));
  const waitMs = Math.min(boundMs, TAKEOVER_WAIT_MS_MAX);
  const taker = await waitFor('another active leader', waitMs, () => activeLeader(others)).catch(
    () => null,
  );
  check(
    'another leader takes over from the partitioned one',
    taker !== null,
    taker
      ? `${taker} active ${Date.now() - partitionedAt} ms after the disconnect; bound ${boundMs} ms`
      : `none active within ${waitMs} ms; bound ${boundMs} ms`,
  );
  const kept =
    taker !== null &&
    (await waitFor('writes during the partition', WRITES_WAIT_MS, async () =>
      writers.acknowledgedSince(partitionedAt) >= WRITES_DURING_PARTITION ? true : null,
    ).catch(() => false));
  check(
    'writes keep succeeding during the partition',
    kept === true,
    `${writers.acknowledgedSince(partitionedAt)} issued after the disconnect acknowledged`,
  );
  // Its published port went with the network: ask it from inside its own container.
  const now = await inspect(container);
  const says = await selfView(container);
  check(
    'the partitioned leader kept running, off the network',
    now.running && now.restarts === before.restarts && now.attachments.length === 0 && !!says,
    `${Date.now() - partitionedAt} ms cut off; it says of itself ${says ?? 'nothing'}`,
  );
}

async function afterReconnection(
  project: ComposeProject,
  writers: Writers,
  cutOff: string,
  container: string,
  partitionedAt: number,
  boundMs: number,
): Promise<void> {
  const reconnectedAt = Date.now();
  const peer = await project.container(PEER);
  // aardvark-dns takes a moment to learn the new address.
  const address = await waitFor(`${cutOff}'s name from ${PEER}`, 15_000, async () => {
    const { address } = await inspect(container);
    return address !== null && (await lookUpFrom(peer, cutOff)) === address ? address : null;
  }).catch(() => null);
  check(
    'the reconnected leader answers to its service name again',
    address !== null,
    address ? `${cutOff} -> ${address} from ${PEER}` : `${cutOff} not found from ${PEER}`,
  );

  let seen = '';
  const waitMs = Math.max(partitionedAt + boundMs - Date.now(), REJOIN_SLACK_MS);
  const leading = await waitFor('the old leader to rejoin as a follower', waitMs, async () => {
    const views = await leaderViews(urls('leader'));
    seen = views.map((v) => `${v.name} ${v.ready ? 'ready' : 'not ready'} ${v.line}`).join(', ');
    const old = views.find((v) => v.name === cutOff);
    const [active, ...more] = views.filter((v) => v.active);
    return old?.ready && !old.active && active && more.length === 0 ? active.name : null;
  }).catch(() => null);
  check(
    'the old leader rejoins as a follower (ready, passive, one active leader)',
    leading !== null,
    `${leading ? `${Date.now() - reconnectedAt} ms after reconnecting, ` : 'still not '}` +
      `${Date.now() - partitionedAt} ms after the disconnect (bound ${boundMs} ms); ${seen}`,
  );
  // More traffic with the old leader back, for the caller's convergence and lost-write checks.
  await waitFor('writes after the reconnection', WRITES_WAIT_MS, async () =>
    writers.acknowledgedSince(reconnectedAt) >= WRITES_DURING_PARTITION ? true : null,
  ).catch(() => null);
}

/**
 * How long the partition's two transitions may take, from the settings the leaders run with,
 * parsed as they parse them (the compose defaults in parentheses):
 * - takeover, from the disconnect: a passive leader scouts LEADER_TIMEOUT_MS (1 s) after it
 *   last heard the active one, plus its back-off (at most LEADER_BACKOFF_MAX_MS, 10 s) and its
 *   stagger (one LEADER_HEARTBEAT_MS per leader ahead of it); phase 1 may need one
 *   retransmission round (LEADER_RETRANSMIT_MS, 3 s).
 * - rejoin, also from the disconnect: the long poll for its inbox that the old leader had in
 *   flight is lost with the network, and it hears nothing until that request times out
 *   (LONG_POLL_SECONDS, at most 20 s, plus DATA_API_TIMEOUT_MS, 10 s), however short the
 *   partition; the next claim brings the new leader's heartbeat (1 s), which preempts it: 36 s.
 */
function boundsMs(env: Record<string, string>): { takeover: number; rejoin: number } {
  const t = leaderTimings(env);
  const leaders = (env.LEADERS ?? '').split(',').filter((l) => l.length > 0).length;
  const staggerMsMax = Math.max(0, leaders - 1) * t.heartbeatMs;
  const lostLongPollMs = LONG_POLL_SECONDS_MAX * 1_000 + loadDataApiConfig(env).timeoutMs;
  return {
    takeover: t.leaderTimeoutMs + staggerMsMax + t.backoffMaxMs + t.retransmitMs + SCOUT_SLACK_MS,
    rejoin: lostLongPollMs + t.heartbeatMs + REJOIN_SLACK_MS,
  };
}

async function inspect(container: string): Promise<ContainerFacts> {
  const r = await run('podman', ['inspect', '--type', 'container', container]);
  const [c] = JSON.parse(r.stdout) as Array<{
    Id: string;
    RestartCount: number;
    State: { Running: boolean };
    Config: { Env: string[] | null };
    NetworkSettings: {
      Networks: Record<string, { IPAddress: string; Aliases: string[] | null }> | null;
    };
  }>;
  if (!c) throw new Error(`podman inspect ${container}: no such container`);
  const networks = Object.entries(c.NetworkSettings.Networks ?? {});
  return {
    id: c.Id,
    running: c.State.Running,
    restarts: c.RestartCount,
    env: Object.fromEntries(
      (c.Config.Env ?? []).map((kv) => [
        kv.slice(0, kv.indexOf('=')),
        kv.slice(kv.indexOf('=') + 1),
      ]),
    ),
    attachments: networks.map(([network, n]) => ({ network, aliases: n.Aliases ?? [] })),
    address: networks.map(([, n]) => n.IPAddress).find((ip) => ip.length > 0) ?? null,
  };
}

/** The role's own /state, asked on the container's loopback (no network needed). */
async function selfView(container: string): Promise<string | null> {
  const script =
    "fetch('http://127.0.0.1:' + (process.env.PORT ?? 8080) + '/state').then((r) => r.json())" +
    '.then((v) => console.log(`active=${v.state.active} ballot=${v.state.ballot} ready=${v.host.ready}`))';
  const r = await run('podman', ['exec', container, 'node', '-e', script], {
    check: false,
    timeoutMs: 15_000,
  });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The address `name` resolves to inside `container` (its resolver is the network's DNS). */
async function lookUpFrom(container: string, name: string): Promise<string | null> {
  const script =
    "require('node:dns').promises.lookup(process.argv[1]).then((a) => console.log(a.address))";
  const r = await run('podman', ['exec', container, 'node', '-e', script, name], {
    check: false,
    timeoutMs: 15_000,
  });
  return r.code === 0 ? r.stdout.trim() : null;
}

interface LeaderSummary {
  name: string;
  ready: boolean;
  active: boolean;
  line: string;
}

async function leaderViews(leaders: Record<string, string>): Promise<LeaderSummary[]> {
  return Promise.all(
    Object.entries(leaders).map(async ([name, url]) => {
      const v = (await getJson(`${url}/state`)) as {
        host?: { ready?: boolean };
        state?: { active?: boolean; ballot?: string };
      } | null;
      const active = v?.state?.active === true;
      const line = v?.state ? `${active ? 'active' : 'passive'} at ${v.state.ballot}` : 'no answer';
      return { name, ready: v?.host?.ready === true, active, line };
    }),
  );
}
