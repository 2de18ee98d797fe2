/**
 * `fleet add | remove | replace`: membership changes of a running fleet, one step at a time,
 * with progress lines. The processes are the FleetControl's (the fleet runner's detached
 * processes or a Fleet's children); the protocol side is membership.ts.
 */
import { DataApiClient, QueueApi, majorityOf, type Members } from '@paxos/shared';
import {
  currentConfiguration,
  nextMemberId,
  planAdd,
  planRemove,
  planReplace,
  readConfig,
  reconfigure,
  retireRows,
  roleOf,
  waitInForce,
  waitRetired,
  type ConfigView,
  type MemberRole,
} from './membership';
import { memberPort, roleServiceSpec, type ServiceSpec } from './topology';

/** What member-ops needs from whatever runs the fleet's processes. */
export interface FleetControl {
  /** The services running or stopped but not retired. */
  services(): readonly ServiceSpec[];
  /** Ids stopped for good: never used again. */
  retiredIds(): readonly string[];
  basePort: number;
  adminKey: string;
  apiBase: string;
  apiKey: string;
  /** Adds a new member's service and starts it; resolves once it answers /readyz. */
  startNew(spec: ServiceSpec): Promise<void>;
  /** Stops a member for good (SIGTERM, then SIGKILL) and forgets it. */
  stopForGood(name: string): Promise<void>;
}

export interface MemberOpOptions {
  /** Budget of each wait (decided, in force, retired, rows retired). */
  stepTimeoutMs?: number;
  log?: (line: string) => void;
}

const DEFAULT_STEP_TIMEOUT_MS = 60_000;

const urlOf = (f: FleetControl, id: string): string | null => {
  const s = f.services().find((x) => x.name === id);
  return s ? `http://127.0.0.1:${s.port}` : null;
};
const urlsOf = (f: FleetControl, ids: readonly string[]): string[] =>
  ids.map((id) => urlOf(f, id)).filter((u): u is string => u !== null);

/** The configuration in force, once nothing is pending (a change under way is waited for). */
async function settledConfiguration(f: FleetControl, timeoutMs: number): Promise<ConfigView> {
  const replicas = f.services().filter((s) => s.kind === 'replica');
  const urls = replicas.map((s) => `http://127.0.0.1:${s.port}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await currentConfiguration(urls);
    if (c && c.pending === null) return c.inForce;
    if (Date.now() > deadline) {
      throw new Error(
        c ? `configuration ${c.pending?.epoch} still pending` : 'no replica answers GET /config',
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every id the fleet or the log ever named: a new member's id must be none of them. */
async function takenIds(f: FleetControl, current: ConfigView): Promise<string[]> {
  const ids = [
    ...f.services().map((s) => s.name),
    ...f.retiredIds(),
    ...current.acceptors,
    ...current.leaders,
    ...current.replicas,
  ];
  for (const url of urlsOf(f, current.replicas)) {
    const former = (await readConfig(url))?.formerMembers;
    if (Array.isArray(former))
      ids.push(...former.filter((x): x is string => typeof x === 'string'));
  }
  return ids;
}

/** The spec of a new member: the fleet's common environment, a new id and a free port. */
function newMemberSpec(
  f: FleetControl,
  role: MemberRole,
  id: string,
  joinFrom: readonly string[],
): ServiceSpec {
  const template = f.services().find((s) => s.kind === role) ?? f.services().find(isRole);
  if (!template) throw new Error('the fleet runs no role service to take settings from');
  const common = { ...template.env };
  for (const key of ['PROCESS_ID', 'PORT', 'ADMIN_KEY', 'JOIN_FROM']) delete common[key];
  const n = Number(/-(\d+)$/.exec(id)?.[1] ?? 99);
  const port = memberPort(f.basePort, role, n, new Set(f.services().map((s) => s.port)));
  const spec = roleServiceSpec(role, id, port, common, f.adminKey);
  if (role === 'replica') spec.env.JOIN_FROM = joinFrom.join(',');
  return spec;
}

const isRole = (s: ServiceSpec): boolean =>
  s.kind === 'acceptor' || s.kind === 'leader' || s.kind === 'replica';

const describeMembers = (m: Members): string =>
  `[${m.acceptors.join(' ')} | ${m.leaders.join(' ')} | ${m.replicas.join(' ')}]`;

/** Reconfigures to `members` and waits until the new configuration is in force. */
async function changeTo(
  f: FleetControl,
  current: ConfigView,
  members: Members,
  o: Required<MemberOpOptions>,
): Promise<{ epoch: number; startSlot: number }> {
  o.log(
    `reconfiguring: e${current.epoch} ${describeMembers(current)} -> ${describeMembers(members)}`,
  );
  const decided = await reconfigure({
    replicaUrls: urlsOf(f, current.replicas),
    adminKey: f.adminKey,
    members,
    timeoutMs: o.stepTimeoutMs,
    log: o.log,
  });
  o.log(`decided: epoch ${decided.epoch} governs from slot ${decided.startSlot}`);
  await waitInForce({
    replicaUrls: urlsOf(f, members.replicas),
    epoch: decided.epoch,
    quorum: majorityOf(members.replicas.length),
    timeoutMs: o.stepTimeoutMs,
  });
  o.log(`epoch ${decided.epoch} in force`);
  return decided;
}

/** Stops the member that left for good, once its configuration is retired, and its rows. */
async function retireMember(
  f: FleetControl,
  id: string,
  members: Members,
  decided: { epoch: number; startSlot: number },
  o: Required<MemberOpOptions>,
): Promise<void> {
  await waitRetired({
    leaderUrls: urlsOf(f, members.leaders),
    epoch: decided.epoch,
    startSlot: decided.startSlot,
    timeoutMs: o.stepTimeoutMs,
  });
  o.log(`configurations before epoch ${decided.epoch} retired by the leaders`);
  if (f.services().some((s) => s.name === id)) {
    await f.stopForGood(id);
    o.log(`${id} stopped for good`);
  }
  const client = new DataApiClient({ baseUrl: f.apiBase, apiKey: f.apiKey, timeoutMs: 30_000 });
  try {
    const rows = await retireRows({
      queue: new QueueApi(client),
      processId: id,
      timeoutMs: o.stepTimeoutMs,
    });
    o.log(
      `${id}'s rows retired: ${rows.queueRows} queued messages, ${rows.stateRows} state rows, ` +
        `${rows.epochRows} epoch row`,
    );
  } finally {
    client.close();
  }
}

function resolved(o: MemberOpOptions): Required<MemberOpOptions> {
  return {
    stepTimeoutMs: o.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    log: o.log ?? ((line) => console.log(line)),
  };
}

/** Starts a fresh member with a new id and reconfigures to include it. Returns its id. */
export async function addMember(
  f: FleetControl,
  role: MemberRole,
  options: MemberOpOptions = {},
): Promise<string> {
  const o = resolved(options);
  const current = await settledConfiguration(f, o.stepTimeoutMs);
  const id = nextMemberId(role, await takenIds(f, current));
  const spec = newMemberSpec(f, role, id, current.replicas);
  o.log(`starting ${id} on port ${spec.port}`);
  await f.startNew(spec);
  await changeTo(f, current, planAdd(current, role, id), o);
  return id;
}

/**
 * Reconfigures without `id`, then stops it for good and retires its rows. A member that left
 * already (a remove that stopped halfway, or a change made through the admin endpoint) is only
 * stopped and retired.
 */
export async function removeMember(
  f: FleetControl,
  id: string,
  options: MemberOpOptions = {},
): Promise<void> {
  const o = resolved(options);
  const current = await settledConfiguration(f, o.stepTimeoutMs);
  if (roleOf(current, id) === null) {
    if (!(await takenIds(f, current)).includes(id) || !(await hasLeft(f, current, id))) {
      throw new Error(`${id} is not a member of the configuration in force`);
    }
    o.log(`${id} left before epoch ${current.epoch}: stopping it and retiring its rows`);
    await retireMember(f, id, current, current, o);
    return;
  }
  const members = planRemove(current, id);
  const decided = await changeTo(f, current, members, o);
  await retireMember(f, id, members, decided, o);
}

/** Whether the replicas count `id` among the members that left. */
async function hasLeft(f: FleetControl, current: ConfigView, id: string): Promise<boolean> {
  for (const url of urlsOf(f, current.replicas)) {
    const former = (await readConfig(url))?.formerMembers;
    if (Array.isArray(former) && former.includes(id)) return true;
  }
  return false;
}

/**
 * Starts a fresh member with a new id, reconfigures with it in the old one's place, then stops
 * the old one for good and retires its rows. Returns the new member's id.
 */
export async function replaceMember(
  f: FleetControl,
  oldId: string,
  options: MemberOpOptions = {},
): Promise<string> {
  const o = resolved(options);
  const current = await settledConfiguration(f, o.stepTimeoutMs);
  const role = roleOf(current, oldId);
  if (role === null) throw new Error(`${oldId} is not a member of the configuration in force`);
  const id = nextMemberId(role, await takenIds(f, current));
  const spec = newMemberSpec(
    f,
    role,
    id,
    current.replicas.filter((r) => r !== oldId),
  );
  o.log(`starting ${id} on port ${spec.port} to replace ${oldId}`);
  await f.startNew(spec);
  const members = planReplace(current, oldId, id);
  const decided = await changeTo(f, current, members, o);
  await retireMember(f, oldId, members, decided, o);
  return id;
}
