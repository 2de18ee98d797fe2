import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the CLI's endpoints and key came from, for error messages. */
export interface Target {
  endpoints: string[];
  apiKey: string | undefined;
  source: string;
}

/** The part of `npm run fleet -- up`'s state file the CLI reads. */
interface FleetFile {
  services?: Array<{ kind?: unknown; port?: unknown; pid?: unknown }>;
  clientKey?: unknown;
}

export class UsageError extends Error {}

/**
 * Endpoints and key, first found wins: the `--endpoints`/`--key` flags, then PAXOS_ENDPOINTS
 * and PAXOS_KEY, then the local fleet's state file (`$FLEET_DIR/run/fleet.json`, FLEET_DIR
 * defaulting to `.fleet` in the current directory) for whatever is still missing.
 */
export function resolveTarget(
  flags: { endpoints?: string | undefined; key?: string | undefined },
  env: NodeJS.ProcessEnv,
  cwd: string,
): Target {
  const listed = flags.endpoints ?? env.PAXOS_ENDPOINTS;
  const key = flags.key ?? (env.PAXOS_KEY || undefined);
  if (listed !== undefined && listed.trim() !== '') {
    const endpoints = splitList(listed);
    return { endpoints, apiKey: key, source: flags.endpoints ? '--endpoints' : 'PAXOS_ENDPOINTS' };
  }
  const file = path.join(path.resolve(cwd, env.FLEET_DIR ?? '.fleet'), 'run', 'fleet.json');
  if (!existsSync(file)) {
    throw new UsageError(
      `no endpoints: pass --endpoints http://host:port[,...] (or set PAXOS_ENDPOINTS), or start a local fleet here with \`npm run fleet -- up\` (no ${file})`,
    );
  }
  let fleet: FleetFile;
  try {
    fleet = JSON.parse(readFileSync(file, 'utf8')) as FleetFile;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : err}`);
  }
  const replicas = (fleet.services ?? []).filter(
    (s) => s.kind === 'replica' && typeof s.port === 'number',
  );
  // Replicas the fleet runner knows are stopped go last: tried only if the others fail.
  const running = replicas.filter((s) => s.pid !== null);
  const stopped = replicas.filter((s) => s.pid === null);
  const endpoints = [...running, ...stopped].map((s) => `http://127.0.0.1:${String(s.port)}`);
  if (endpoints.length === 0) throw new UsageError(`${file} lists no replica`);
  const fileKey = typeof fleet.clientKey === 'string' ? fleet.clientKey : undefined;
  return { endpoints, apiKey: key ?? fileKey, source: file };
}

function splitList(text: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError('--endpoints: no URL given');
  return items;
}
