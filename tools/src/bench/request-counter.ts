/** Requests served so far, or null when the counter does not answer. */
export async function readRequestCount(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { requests?: unknown };
    return typeof body.requests === 'number' ? body.requests : null;
  } catch {
    return null;
  }
}
