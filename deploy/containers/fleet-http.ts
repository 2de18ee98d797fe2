/** What the test reads from the fleet's published ports (all on 127.0.0.1). */

export async function getJson(url: string, timeoutMs = 2_000): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok && res.status !== 503) return null;
    return await res.json();
  } catch {
    return null;
  }
}

export async function isReady(baseUrl: string): Promise<boolean> {
  const body = (await getJson(`${baseUrl}/readyz`)) as { ready?: boolean } | null;
  return body?.ready === true;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than null, or times out. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | null>,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== null) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

interface LeaderView {
  /** The ballot as /state prints it: "round.leaderId", or "eN:round.leaderId" in epoch N > 0. */
  state: { active?: boolean; ballot?: string } | null;
}

/** [epoch, round] of a printed ballot ("e2:3.leader-1" is [2, 3]); [-1, -1] if unreadable. */
export function ballotOrder(printed: string | undefined): [number, number] {
  const m = /^(?:e(\d+):)?(\d+)\./.exec(printed ?? '');
  return m ? [Number(m[1] ?? 0), Number(m[2])] : [-1, -1];
}

/**
 * The leader that says it is active (the highest ballot's, by epoch then round, if more than
 * one says so: the old configuration's leader may still be active for its last slots).
 */
export async function activeLeader(leaders: Record<string, string>): Promise<string | null> {
  let best: { name: string; order: [number, number] } | null = null;
  for (const [name, url] of Object.entries(leaders)) {
    const v = (await getJson(`${url}/state`)) as LeaderView | null;
    if (!v?.state?.active) continue;
    const order = ballotOrder(v.state.ballot);
    if (!best || (order[0] - best.order[0] || order[1] - best.order[1]) > 0) {
      best = { name, order };
    }
  }
  return best?.name ?? null;
}

export interface ReplicaView {
  name: string;
  slotOut: number;
  digest: string;
}

export async function replicaViews(
  replicas: Record<string, string>,
): Promise<Array<ReplicaView | null>> {
  return Promise.all(
    Object.entries(replicas).map(async ([name, url]) => {
      const v = (await getJson(`${url}/state`)) as {
        state: { slotOut: number; digest: string } | null;
      } | null;
      return v?.state ? { name, slotOut: v.state.slotOut, digest: v.state.digest } : null;
    }),
  );
}

/**
 * Waits until every replica reports the same slotOut and state digest on two polls in a row
 * (the log is quiet and they agree).
 */
export async function waitForConvergence(
  replicas: Record<string, string>,
  timeoutMs: number,
): Promise<{ converged: boolean; views: Array<ReplicaView | null> }> {
  const deadline = Date.now() + timeoutMs;
  let views = await replicaViews(replicas);
  let previous: string | null = null;
  while (Date.now() < deadline) {
    views = await replicaViews(replicas);
    const first = views[0];
    const same =
      !!first && views.every((v) => v?.slotOut === first.slotOut && v.digest === first.digest);
    const fingerprint = same ? `${first.slotOut}:${first.digest}` : null;
    if (fingerprint !== null && fingerprint === previous) return { converged: true, views };
    previous = fingerprint;
    await sleep(1_000);
  }
  return { converged: false, views };
}
