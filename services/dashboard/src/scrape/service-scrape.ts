import type { FleetTarget } from '../config/fleet-targets';
import { parsePrometheusText } from '../metrics/prometheus-text';
import { describeFetchFailure } from '../net/fetch-failure';
import type { ServiceScrape } from '../view/fleet-view';
import { ConfigAnswerSchema, type ConfigAnswer } from './config-answer';
import { StateAnswerSchema } from './state-answer';

/**
 * GET /state and /metrics of one service, and a replica's GET /config. Never throws: a service
 * that does not answer, or answers nonsense, is reported as down with the reason, which the
 * page shows.
 */
export async function scrapeService(
  target: FleetTarget,
  timeoutMs: number,
): Promise<ServiceScrape> {
  const [state, metrics, config] = await Promise.all([
    fetchText(`${target.url}/state`, timeoutMs),
    fetchText(`${target.url}/metrics`, timeoutMs),
    target.role === 'replica' ? scrapeConfig(target, timeoutMs) : null,
  ]);
  const down = (error: string): ServiceScrape => ({
    target,
    state: null,
    metrics: null,
    config: null,
    error,
  });
  if (!state.ok) return down(state.error);
  let json: unknown;
  try {
    json = JSON.parse(state.text);
  } catch {
    return down('/state is not JSON');
  }
  const parsed = StateAnswerSchema.safeParse(json);
  if (!parsed.success) return down(`/state: ${parsed.error.issues[0]?.message}`);
  let families = null;
  let error: string | null = null;
  if (metrics.ok) {
    try {
      families = parsePrometheusText(metrics.text);
    } catch (err) {
      error = `/metrics: ${(err as Error).message}`;
    }
  } else {
    error = `/metrics: ${metrics.error}`;
  }
  return { target, state: parsed.data, metrics: families, config, error };
}

/**
 * A replica's configuration, or null: while it recovers it answers 503, and a replica that
 * cannot say stays up on the page (its /state decides that), only without a configuration.
 */
async function scrapeConfig(target: FleetTarget, timeoutMs: number): Promise<ConfigAnswer | null> {
  const answer = await fetchText(`${target.url}/config`, timeoutMs);
  if (!answer.ok) return null;
  try {
    const parsed = ConfigAnswerSchema.safeParse(JSON.parse(answer.text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function fetchText(
  url: string,
  timeoutMs: number,
): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    // A role answers /state with 200 while recovering, so anything else is a real failure.
    if (!res.ok) return { ok: false, error: `HTTP ${res.status}` };
    return { ok: true, text };
  } catch (err) {
    return { ok: false, error: describeFetchFailure(err, timeoutMs) };
  }
}
