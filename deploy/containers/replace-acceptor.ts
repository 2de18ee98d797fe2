import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getJson, isReady, sleep, waitFor } from './fleet-http';
import { describeRows, retireRows, rowsOf } from './member-rows';
import type { ComposeProject } from './podman';
import { check, step } from './report';
import { PORT_VARS, portOf, urlOf, urls } from './settings';
import type { Writers } from './writers';

/** The member replaced, and its replacement: a new id with empty state, never the old id. */
const OLD = 'acceptor-1';
const NEW = 'acceptor-3';
/** Where the reconfiguration is asked (any replica would do). */
const ADMIN_REPLICA = 'replica-0';
const WRITES_AFTER_EACH_STEP = 10;

/**
 * The service block a user adds to docker-compose.yml for a new member (docs/deployment-membership.md, "Replace,
 * add or remove a member"): the same anchors as every block, a new PROCESS_ID, a port of its
 * own. The initial lists (ACCEPTORS, ...) stay as they are.
 */
export function withMemberService(composeText: string, id: string, portVariable: string): string {
  const service = id.split('-')[0];
  const env = service === 'replica' ? '*replica-env' : '*role-env';
  const block = [
    `  ${id}:`,
    `    <<: *role`,
    `    environment: { <<: ${env}, SERVICE: ${service}, PROCESS_ID: ${id} }`,
    `    ports: ['\${PUBLISH_ADDRESS:-127.0.0.1}:\${${portVariable}}:8080']`,
    '',
  ].join('\n');
  const at = composeText.indexOf('\nvolumes:\n');
  if (at < 0)
    throw new Error('docker-compose.yml: no top-level volumes: to insert a service before');
  return `${composeText.slice(0, at)}\n${block}${composeText.slice(at + 1)}`;
}

interface ConfigView {
  epoch: number;
  startSlot: number;
  acceptors: string[];
  leaders: string[];
  replicas: string[];
}
interface ConfigReport {
  epoch: number;
  inForce: ConfigView;
  pending: ConfigView | null;
  retiredBelow?: number;
  slotOut?: number;
}
const configOf = async (service: string) =>
  (await getJson(`${urlOf(service)}/config`)) as ConfigReport | null;

/**
 * Replaces acceptor-1 with acceptor-3 under the writers' load, as docs/deployment-membership.md tells a user to:
 * start the new member (a new service, a new id, empty state); POST /admin/reconfigure on a
 * replica with the admin key; wait until every replica has the new configuration in force and
 * the leaders have retired the old one; stop and remove the old container; retire its rows
 * through the data API's member_retire query. Checks along the way that writes keep being
 * acknowledged, that the new acceptor takes part in the new configuration's slots, and that
 * none of the old member's rows are left. The caller checks convergence and lost writes after.
 */
export async function replaceAcceptor(
  project: ComposeProject,
  writers: Writers,
  adminKey: string,
  withDashboard: boolean,
): Promise<void> {
  await startNewMember(project);
  const change = await askForTheChange(adminKey);
  if (!change) return;
  const inForceAt = await waitUntilInForce(change);
  if (inForceAt === null) return;
  await writesSince(writers, inForceAt, 'under the new configuration');
  await checkNewAcceptorTakesPart(change);
  // Until the leaders retire the old configuration, one may still send its acceptors a
  // retransmission; after, nothing is addressed to the old member again.
  const retired = await waitFor('the leaders to retire the old configuration', 90_000, async () => {
    const reports = await Promise.all(Object.keys(urls('leader')).map(configOf));
    return reports.every((r) => (r?.retiredBelow ?? 0) >= change.epoch) ? true : null;
  }).catch(() => false);
  check('the leaders retire the old configuration', retired === true);
  if (withDashboard) await checkDashboard(change);
  await removeOldMember(project, writers);
}

interface DecidedChange {
  epoch: number;
  /** The first slot the new configuration governs. */
  startSlot: number;
}

async function startNewMember(project: ComposeProject): Promise<void> {
  step(`replace ${OLD}: start ${NEW}, a new member with a new id and empty state`);
  // As docs/deployment-membership.md has a user do: a new service block, a port of its own.
  const composeFile = path.join(project.dir, 'docker-compose.yml');
  const variable = PORT_VARS[NEW]!;
  writeFileSync(composeFile, withMemberService(readFileSync(composeFile, 'utf8'), NEW, variable));
  appendFileSync(path.join(project.dir, '.env'), `${variable}=${portOf(NEW)}\n`);
  // podman-compose 1.0 exits non-zero when the running dependencies cannot be created again.
  await project.compose(['up', '-d', '--no-build', NEW], 180_000).catch(() => undefined);
  const fresh = await waitFor(`${NEW} to be ready`, 90_000, async () => {
    if (!(await isReady(urlOf(NEW)))) return null;
    const s = (await getJson(`${urlOf(NEW)}/state`)) as {
      state: { acceptedSlots: number; promises: Record<string, string> } | null;
    } | null;
    return s?.state ?? null;
  }).catch(() => null);
  check(
    'the new acceptor starts empty under a new id',
    fresh !== null && fresh.acceptedSlots === 0 && Object.keys(fresh.promises).length === 0,
    fresh ? `${NEW}: ${fresh.acceptedSlots} accepted slots, no promise` : `${NEW} not ready`,
  );
}

/** The configuration in force with OLD swapped for NEW, asked with the admin key. */
async function askForTheChange(adminKey: string): Promise<DecidedChange | null> {
  const before = await configOf(ADMIN_REPLICA);
  if (!before) throw new Error(`${ADMIN_REPLICA} does not answer GET /config`);
  const next = {
    acceptors: before.inForce.acceptors.map((a) => (a === OLD ? NEW : a)),
    leaders: before.inForce.leaders,
    replicas: before.inForce.replicas,
  };
  const refused = await postReconfigure(next, null);
  check(
    'POST /admin/reconfigure refuses a request without the admin key',
    refused.status === 401,
    `HTTP ${refused.status}`,
  );
  step(`POST /admin/reconfigure on ${ADMIN_REPLICA}: acceptors ${next.acceptors.join(',')}`);
  const askedAt = Date.now();
  const decided = await reconfigure(next, adminKey);
  check(
    'the reconfiguration is decided',
    decided.status === 200,
    `HTTP ${decided.status} ${JSON.stringify(decided.body)} after ${Date.now() - askedAt} ms`,
  );
  return decided.status === 200 ? (decided.body as DecidedChange) : null;
}

/** When every replica had it in force, or null if that did not happen in time. */
async function waitUntilInForce(change: DecidedChange): Promise<number | null> {
  const since = Date.now();
  const inForceAt = await waitFor(
    'the new configuration in force at every replica',
    90_000,
    async () => {
      const reports = await Promise.all(Object.keys(urls('replica')).map(configOf));
      return reports.every((r) => r !== null && r.inForce.epoch >= change.epoch)
        ? Date.now()
        : null;
    },
  ).catch(() => null);
  check(
    'every replica has the new configuration in force',
    inForceAt !== null,
    `epoch ${change.epoch} from slot ${change.startSlot}` +
      (inForceAt ? `, ${inForceAt - since} ms after the decision` : ', not within 90 s'),
  );
  return inForceAt;
}

async function checkNewAcceptorTakesPart({ epoch, startSlot }: DecidedChange): Promise<void> {
  const joined = await waitFor(`${NEW} to accept a slot of epoch ${epoch}`, 60_000, async () => {
    const s = (await getJson(`${urlOf(NEW)}/state`)) as {
      state: { highestAcceptedSlot: number; promises: Record<string, string> } | null;
    } | null;
    const st = s?.state;
    return st && st.promises[String(epoch)] && st.highestAcceptedSlot >= startSlot ? st : null;
  }).catch(() => null);
  check(
    'the new acceptor accepts slots of the new configuration',
    joined !== null,
    joined
      ? `promised ${joined.promises[String(epoch)]}, highest accepted slot ` +
          `${joined.highestAcceptedSlot} >= ${startSlot}`
      : `nothing accepted from slot ${startSlot} on`,
  );
}

interface DashboardView {
  configuration: { inForce: { epoch: number } | null };
  services: Array<{ name: string; membership: string }>;
}

async function checkDashboard({ epoch }: DecidedChange): Promise<void> {
  // The dashboard learns a new member on its next poll of the fleet: wait for it.
  const seen: { view: DashboardView | null } = { view: null };
  const membership = (name: string) => seen.view?.services.find((s) => s.name === name)?.membership;
  const shows = () =>
    seen.view?.configuration.inForce?.epoch === epoch && membership(NEW) === 'member';
  await waitFor('the dashboard to show the new member', 20_000, async () => {
    seen.view = (await getJson(`${urlOf('dashboard')}/api/view`)) as DashboardView | null;
    return shows() ? seen.view : null;
  }).catch(() => null);
  check(
    'the dashboard shows the new configuration and the new member',
    shows(),
    `epoch ${seen.view?.configuration.inForce?.epoch ?? '?'}; ${NEW} ${membership(NEW) ?? 'absent'}, ` +
      `${OLD} ${membership(OLD) ?? 'absent'}`,
  );
}

/** Stops and removes the old container, retires its rows, and counts them in PostgreSQL. */
async function removeOldMember(project: ComposeProject, writers: Writers): Promise<void> {
  step(`stopping and removing ${OLD}'s container`);
  await project.stopAndRemove(OLD);
  const stoppedAt = Date.now();
  const rowsBefore = await rowsOf(project, OLD);
  step(`retiring ${OLD}'s rows (member_retire through the data API)`);
  const outcome = await retireRows(project, OLD);
  await writesSince(writers, stoppedAt, `with ${OLD} gone`);
  const rowsAfter = await rowsOf(project, OLD);
  check(
    "the old member's rows are retired (queue, durable_state, process_epoch)",
    outcome.retired && rowsAfter.queue === 0 && rowsAfter.state === 0 && rowsAfter.epoch === 0,
    `before: ${describeRows(rowsBefore)}; member_retire deleted ${outcome.queueRows} queued, ` +
      `${outcome.stateRows} state, ${outcome.epochRows} epoch rows; after more writes: ` +
      describeRows(rowsAfter),
  );
}

async function writesSince(writers: Writers, sinceMs: number, what: string): Promise<void> {
  const kept = await waitFor(`writes ${what}`, 60_000, async () =>
    writers.acknowledgedSince(sinceMs) >= WRITES_AFTER_EACH_STEP ? true : null,
  ).catch(() => false);
  check(
    `writes keep succeeding ${what}`,
    kept === true,
    `${writers.acknowledgedSince(sinceMs)} issued since acknowledged`,
  );
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

async function postReconfigure(members: object, adminKey: string | null): Promise<HttpAnswer> {
  try {
    const res = await fetch(`${urlOf(ADMIN_REPLICA)}/admin/reconfigure`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(adminKey === null ? {} : { authorization: `Bearer ${adminKey}` }),
      },
      body: JSON.stringify(members),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}

/** Asks until it is decided: a 503 or 504 is retried, and asking again is idempotent. */
async function reconfigure(members: object, adminKey: string): Promise<HttpAnswer> {
  let answer: HttpAnswer = { status: 0, body: null };
  for (let attempt = 0; attempt < 6; attempt++) {
    answer = await postReconfigure(members, adminKey);
    if (![0, 503, 504].includes(answer.status)) return answer;
    await sleep(2_000);
  }
  return answer;
}
