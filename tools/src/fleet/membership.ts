/**
 * Membership changes as an operator makes them (issue 18, PMMC section 4), over HTTP and the
 * data API only, so any tool can use them whatever runs the processes (the fleet runner, the
 * chaos rig, a container test): plan the next lists, ask a replica to reconfigure, wait until
 * the new configuration is in force and the old one retired, and retire a removed member's rows.
 * Starting and stopping processes is the caller's (member-ops.ts for the fleet).
 */
import {
  ConfigAnswerSchema,
  DataApiUnavailableError,
  QueueApi,
  type ConfigAnswer,
  type ConfigView,
  type Members,
} from '@paxos/shared';

export type MemberRole = 'acceptor' | 'leader' | 'replica';
export const MEMBER_ROLES: readonly MemberRole[] = ['acceptor', 'leader', 'replica'];

const listKey = { acceptor: 'acceptors', leader: 'leaders', replica: 'replicas' } as const;

/** GET /config, read through the schema every tool shares. */
export type { ConfigView };
type ConfigReport = ConfigAnswer;

export const membersOf = (v: Members): Members => ({
  acceptors: [...v.acceptors],
  leaders: [...v.leaders],
  replicas: [...v.replicas],
});

export function roleOf(m: Members, id: string): MemberRole | null {
  return MEMBER_ROLES.find((role) => m[listKey[role]].includes(id)) ?? null;
}

export function planAdd(current: Members, role: MemberRole, id: string): Members {
  if (roleOf(current, id) !== null) throw new Error(`${id} is a member already`);
  const next = membersOf(current);
  next[listKey[role]].push(id);
  return next;
}

export function planRemove(current: Members, id: string): Members {
  const role = roleOf(current, id);
  if (role === null) throw new Error(`${id} is not a member of the configuration in force`);
  const next = membersOf(current);
  next[listKey[role]] = next[listKey[role]].filter((x) => x !== id);
  if (next[listKey[role]].length === 0) throw new Error(`${id} is the last ${role}`);
  return next;
}

/** The new member takes the old one's place in its list (the order decides slot turns). */
export function planReplace(current: Members, oldId: string, newId: string): Members {
  const role = roleOf(current, oldId);
  if (role === null) throw new Error(`${oldId} is not a member of the configuration in force`);
  if (roleOf(current, newId) !== null) throw new Error(`${newId} is a member already`);
  const next = membersOf(current);
  next[listKey[role]] = next[listKey[role]].map((x) => (x === oldId ? newId : x));
  return next;
}

/**
 * `<role>-<n>` with n one above every number `taken` uses for that role: ids that left must
 * never come back (a replacement is a new member with a new id), so taken should include every
 * id the fleet ever ran.
 */
export function nextMemberId(role: MemberRole, taken: Iterable<string>): string {
  let highest = -1;
  const pattern = new RegExp(`^${role}-(\\d+)$`);
  for (const id of taken) {
    const n = Number(pattern.exec(id)?.[1]);
    if (Number.isInteger(n)) highest = Math.max(highest, n);
  }
  return `${role}-${highest + 1}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /config of one service; null when it does not answer with one (down, recovering). */
export async function readConfig(url: string, timeoutMs = 2_000): Promise<ConfigReport | null> {
  try {
    const res = await fetch(`${url}/config`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const parsed = ConfigAnswerSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The configuration in force as the replicas know it (they know it exactly): the newest one a
 * replica that answers reports, with the pending one if any.
 */
export async function currentConfiguration(
  replicaUrls: readonly string[],
): Promise<{ inForce: ConfigView; pending: ConfigView | null } | null> {
  const reports = await Promise.all(replicaUrls.map((url) => readConfig(url)));
  let best: ConfigReport | null = null;
  for (const r of reports) {
    if (r && r.role === 'replica' && (!best || r.inForce.epoch > best.inForce.epoch)) best = r;
  }
  return best && { inForce: best.inForce, pending: best.pending };
}

export class ReconfigurationRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReconfigurationRefusedError';
  }
}

export interface ReconfigureRequest {
  replicaUrls: readonly string[];
  adminKey: string;
  members: Members;
  window?: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

/**
 * POST /admin/reconfigure to the replicas in turn until one answers: retried on 503/504 and
 * on no answer (asking again for the same configuration is answered with it once decided), and
 * on 409 reconfiguration-pending (another change is still coming into force). 400, 401, 403 and
 * 409 reconfiguration-invalid are final.
 */
export async function reconfigure(
  r: ReconfigureRequest,
): Promise<{ epoch: number; startSlot: number }> {
  const deadline = Date.now() + r.timeoutMs;
  const body = JSON.stringify({ ...r.members, ...(r.window ? { window: r.window } : {}) });
  let last = 'no replica answered';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const url = r.replicaUrls[attempt % r.replicaUrls.length]!;
    try {
      const res = await fetch(`${url}/admin/reconfigure`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${r.adminKey}` },
        body,
        signal: AbortSignal.timeout(Math.max(1_000, Math.min(30_000, deadline - Date.now()))),
      });
      const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.status === 200) {
        return { epoch: Number(answer.epoch), startSlot: Number(answer.startSlot) };
      }
      const code = typeof answer.code === 'string' ? answer.code : `http-${res.status}`;
      const error = typeof answer.error === 'string' ? answer.error : res.statusText;
      last = `${url}: ${res.status} ${code}: ${error}`;
      const retry = res.status === 503 || res.status === 504 || code === 'reconfiguration-pending';
      if (!retry) throw new ReconfigurationRefusedError(res.status, code, last);
    } catch (err) {
      if (err instanceof ReconfigurationRefusedError) throw err;
      last = `${url}: ${err instanceof Error ? err.message : String(err)}`;
    }
    r.log?.(`  reconfigure: ${last}; trying again`);
    await sleep(500);
  }
  throw new Error(`reconfiguration not decided in ${r.timeoutMs} ms (last: ${last})`);
}

/**
 * Waits until `quorum` of the replicas at `replicaUrls` (the new configuration's) report
 * configuration `epoch` (or a later one) in force with nothing pending.
 */
export async function waitInForce(o: {
  replicaUrls: readonly string[];
  epoch: number;
  quorum: number;
  timeoutMs: number;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    const reports = await Promise.all(o.replicaUrls.map((url) => readConfig(url)));
    const inForce = reports.filter((r) => r && r.inForce.epoch >= o.epoch && r.pending === null);
    if (inForce.length >= o.quorum) return;
    seen = reports.map((r) => (r ? `${r.processId}:e${r.inForce.epoch}` : '-')).join(' ');
    await sleep(250);
  }
  throw new Error(`configuration ${o.epoch} not in force in ${o.timeoutMs} ms (${seen})`);
}

/**
 * Waits until the configurations before `epoch` are retired by the leaders: a leader reports
 * them retired (every slot they govern is collected), or its horizon in `epoch` passed
 * `startSlot` (so no slot of an earlier configuration is needed any more).
 */
export async function waitRetired(o: {
  leaderUrls: readonly string[];
  epoch: number;
  startSlot: number;
  timeoutMs: number;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    const reports = await Promise.all(o.leaderUrls.map((url) => readConfig(url)));
    const retired = reports.some(
      (r) =>
        r !== null &&
        ((r.retiredBelow ?? 0) >= o.epoch || (r.horizons?.[String(o.epoch)] ?? 0) >= o.startSlot),
    );
    if (retired) return;
    await sleep(250);
  }
  throw new Error(`configurations before ${o.epoch} not retired in ${o.timeoutMs} ms`);
}

/**
 * Deletes a removed member's queued messages, durable state and epoch row (member_retire),
 * batch by batch. While a process still holds the id's lease (a member SIGKILLed moments ago
 * holds it until EPOCH_LEASE_MS passes), or the data API or its database is away for a while,
 * it waits and tries again.
 */
export async function retireRows(o: {
  queue: QueueApi;
  processId: string;
  timeoutMs: number;
}): Promise<{ queueRows: number; stateRows: number; epochRows: number }> {
  const deadline = Date.now() + o.timeoutMs;
  const total = { queueRows: 0, stateRows: 0, epochRows: 0 };
  let away = '';
  while (Date.now() < deadline) {
    let r;
    try {
      r = await o.queue.retireMember({ processId: o.processId, batchLimit: 10_000 });
    } catch (err) {
      if (!(err instanceof DataApiUnavailableError)) throw err;
      away = ` (last: ${err.message})`;
      await sleep(1_000);
      continue;
    }
    if (!r.retired) {
      await sleep(Math.min(r.retryInMs, 1_000));
      continue;
    }
    total.queueRows += r.queueRows;
    total.stateRows += r.stateRows;
    total.epochRows += r.epochRows;
    if (r.queueRowsLeft === 0) return total;
  }
  throw new Error(
    `${o.processId}'s rows not retired in ${o.timeoutMs} ms${away || ' (its lease is live)'}`,
  );
}
