import { setTimeout as sleep } from 'node:timers/promises';
import { getJson } from '../fleet/service-process';
import type { ServiceSpec } from '../fleet/topology';

export type ReplicaView = { name: string; slotOut: number; digest: string } | null;

async function viewsOf(replicas: readonly ServiceSpec[]): Promise<ReplicaView[]> {
  return Promise.all(
    replicas.map(async (s) => {
      const v = (await getJson(s.port, '/state')) as {
        state: { slotOut: number; digest: string } | null;
      } | null;
      return v?.state ? { name: s.name, slotOut: v.state.slotOut, digest: v.state.digest } : null;
    }),
  );
}

/**
 * Waits until the given replicas (the members at the end of a run: a replica replaced during it
 * is gone, its successor counts) report the same slotOut and digest twice in a row, so the log
 * is quiet too (fleet/observe.ts's check, over a list of replicas rather than a whole fleet).
 */
export async function waitReplicasConverge(
  replicas: readonly ServiceSpec[],
  timeoutMs: number,
): Promise<{ converged: boolean; views: ReplicaView[] }> {
  const deadline = Date.now() + timeoutMs;
  let views = await viewsOf(replicas);
  let stableSince: string | null = null;
  while (Date.now() < deadline) {
    views = await viewsOf(replicas);
    const first = views[0];
    const same =
      !!first &&
      views.every((v) => v !== null && v.slotOut === first.slotOut && v.digest === first.digest);
    if (same) {
      const fingerprint = `${first.slotOut}:${first.digest}`;
      if (stableSince === fingerprint) return { converged: true, views };
      stableSince = fingerprint;
    } else {
      stableSince = null;
    }
    await sleep(500);
  }
  return { converged: false, views };
}
