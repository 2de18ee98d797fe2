import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * Patroni's view of the cluster (GET /cluster on any node's REST API): who holds the leader key
 * (`leader`), who is the synchronous standby (`sync_standby`), and each member's PostgreSQL state.
 */
const MemberSchema = z.object({
  name: z.string(),
  role: z.string(),
  state: z.string(),
  timeline: z.number().optional(),
  lag: z.union([z.number(), z.string()]).optional(),
});
const ClusterSchema = z.object({ members: z.array(MemberSchema) });

export type PatroniMember = z.infer<typeof MemberSchema>;
export type PatroniCluster = z.infer<typeof ClusterSchema>;

const REST_TIMEOUT_MS = 1_000;

/** /cluster from the first node that answers, or null when none does. */
export async function readCluster(restPorts: readonly number[]): Promise<PatroniCluster | null> {
  for (const port of restPorts) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/cluster`, {
        signal: AbortSignal.timeout(REST_TIMEOUT_MS),
      });
      if (!res.ok) continue;
      const parsed = ClusterSchema.safeParse(await res.json());
      if (parsed.success) return parsed.data;
    } catch {
      // this node is down; ask the next
    }
  }
  return null;
}

/** The member whose PostgreSQL runs as the primary, if Patroni reports one. */
export const primaryOf = (c: PatroniCluster | null): PatroniMember | null =>
  c?.members.find((m) => m.role === 'leader' && m.state === 'running') ?? null;

/** The synchronous standby, if one streams from the primary now. */
export const syncStandbyOf = (c: PatroniCluster | null): PatroniMember | null =>
  c?.members.find((m) => m.role === 'sync_standby' && isReplicating(m)) ?? null;

/** A standby that runs and follows the primary (Patroni 3.0 says `running`, later `streaming`). */
export const isReplicating = (m: PatroniMember): boolean =>
  m.state === 'running' || m.state === 'streaming';

/** `pg-0 leader running tl 1, pg-1 sync_standby streaming tl 1 lag 0, ...` */
export function describeCluster(c: PatroniCluster | null): string {
  if (!c) return 'no Patroni node answers';
  return c.members
    .map(
      (m) =>
        `${m.name} ${m.role} ${m.state}${m.timeline !== undefined ? ` tl ${m.timeline}` : ''}` +
        (m.lag !== undefined ? ` lag ${m.lag}` : ''),
    )
    .join(', ');
}

/**
 * Polls /cluster until `ready` holds of it; throws after `timeoutMs` with the last view. The
 * poll is slow on purpose (4 per second): it runs beside a load on a small machine.
 */
export async function waitForCluster(
  restPorts: readonly number[],
  ready: (c: PatroniCluster) => boolean,
  what: string,
  timeoutMs: number,
): Promise<PatroniCluster> {
  const deadline = Date.now() + timeoutMs;
  let last: PatroniCluster | null;
  for (;;) {
    last = await readCluster(restPorts);
    if (last && ready(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not after ${timeoutMs} ms; Patroni says: ${describeCluster(last)}`);
    }
    await sleep(250);
  }
}

/** A primary and a synchronous standby that streams from it: the cluster can lose a node. */
export const hasPrimaryAndSyncStandby = (c: PatroniCluster): boolean =>
  primaryOf(c) !== null && syncStandbyOf(c) !== null;
