import { getJson } from './service-process';
import type { Fleet } from './fleet';

interface ReplicaView {
  state: { slotOut: number; digest: string } | null;
}
interface LeaderView {
  /** The ballot as describeLeader prints it: `3.leader-0`, `e2:3.leader-0` (epoch 2), `⊥`. */
  state: { active?: boolean; ballot?: string } | null;
}

/**
 * A printed ballot's rank, ordered as ballots are, by epoch (`e<epoch>:`, absent for 0) then
 * round; -1 for bottom or anything else.
 */
export function ballotRound(printed: string | undefined): number {
  const match = /^(?:e(\d+):)?(\d+)\./.exec(printed ?? '');
  if (!match) return -1;
  return Number(match[1] ?? 0) * 2 ** 32 + Number(match[2]);
}

/** The leader that says it is active (the one holding the highest ballot if several do). */
export async function activeLeader(fleet: Fleet): Promise<string | null> {
  let best: { name: string; round: number } | null = null;
  for (const s of fleet.named('leader')) {
    if (!fleet.isRunning(s.name)) continue;
    const v = (await getJson(s.port, '/state')) as LeaderView | null;
    if (v?.state?.active) {
      const round = ballotRound(v.state.ballot);
      if (!best || round > best.round) best = { name: s.name, round };
    }
  }
  return best?.name ?? null;
}

export async function replicaViews(
  fleet: Fleet,
): Promise<Array<{ name: string; slotOut: number; digest: string } | null>> {
  return Promise.all(
    fleet.named('replica').map(async (s) => {
      const v = (await getJson(s.port, '/state')) as ReplicaView | null;
      return v?.state ? { name: s.name, slotOut: v.state.slotOut, digest: v.state.digest } : null;
    }),
  );
}

/**
 * Waits until every replica reports the same slotOut and state digest, and that slotOut
 * stops moving (the log is quiet). Returns the views, or null on timeout.
 */
export async function waitForConvergence(
  fleet: Fleet,
  timeoutMs: number,
): Promise<{ converged: boolean; views: Awaited<ReturnType<typeof replicaViews>> }> {
  const deadline = Date.now() + timeoutMs;
  let views = await replicaViews(fleet);
  let stableSince: string | null = null;
  while (Date.now() < deadline) {
    views = await replicaViews(fleet);
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
    await new Promise((r) => setTimeout(r, 500));
  }
  return { converged: false, views };
}
