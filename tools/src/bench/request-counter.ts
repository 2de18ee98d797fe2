import path from 'node:path';

/** The preload that counts the data API's requests (see probes/count-http-requests.mjs). */
export const REQUEST_COUNTER_PRELOAD = path.join(__dirname, 'probes', 'count-http-requests.mjs');

/** Environment that makes a Node service count its HTTP requests on `port`. */
export function requestCounterEnv(port: number, nodeOptions = ''): Record<string, string> {
  return {
    BENCH_REQUEST_COUNTER_PORT: String(port),
    NODE_OPTIONS: `${nodeOptions} --import ${REQUEST_COUNTER_PRELOAD}`.trim(),
  };
}

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
