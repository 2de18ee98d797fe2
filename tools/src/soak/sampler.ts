import type { Fleet } from '../fleet/fleet';
import { heapUsedBytesOf, rssBytesOf } from './process-memory';
import { readState, roleStateSeries } from './role-state';
import { readTableSizes } from './table-sizes';

/** A paused or overloaded service answers late or never; a sample waits this long for it. */
const SERVICE_TIMEOUT_MS = 2_000;

/**
 * Reads every series of the fleet at one moment. Whatever does not answer (a process the
 * nemesis killed, a database behind a fault) is left out of this reading, never an error:
 * the judge and the chart only see the minutes it was there.
 */
export async function takeReading(
  fleet: Fleet,
  databaseUrl: string | undefined,
): Promise<Record<string, number>> {
  const roles = fleet.services.filter((s) => s.kind !== 'neurelo' && s.kind !== 'dashboard');
  const perService = await Promise.all(
    fleet.services.map(async (s): Promise<Record<string, number>> => {
      const series: Record<string, number> = {};
      const pid = fleet.pid(s.name);
      const rss = pid === null ? null : await rssBytesOf(pid);
      if (rss !== null) series[`rss_bytes.${s.name}`] = rss;
      // Only the role services serve /metrics and /state (the data API has neither).
      if (!roles.includes(s) || pid === null) return series;
      const [heap, state] = await Promise.all([
        heapUsedBytesOf(s.port, SERVICE_TIMEOUT_MS),
        readState(s.port, SERVICE_TIMEOUT_MS),
      ]);
      if (heap !== null) series[`heap_used_bytes.${s.name}`] = heap;
      return { ...series, ...roleStateSeries(s.kind, s.name, state) };
    }),
  );
  const tables = databaseUrl
    ? await readTableSizes(
        databaseUrl,
        roles.map((s) => s.name),
      )
    : {};
  return Object.assign({}, ...perService, tables) as Record<string, number>;
}
