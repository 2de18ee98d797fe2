import { clientKeyEntry, generateClientKey, withoutEmptySettings } from '@paxos/shared';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export type ServiceKind = 'neurelo' | 'acceptor' | 'leader' | 'replica' | 'dashboard';

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  port: number;
  /** Entry point, relative to the repo root. */
  entry: string;
  env: Record<string, string>;
}

export interface FleetOptions {
  acceptors: number;
  leaders: number;
  replicas: number;
  basePort: number;
  /** Where the fleet keeps logs, PGlite data and its pid file. */
  workDir: string;
  /** postgres://... for the local Neurelo server; else PGlite in workDir. */
  databaseUrl?: string | undefined;
  /** The nodes of a highly available PostgreSQL (DATABASE_URLS), instead of databaseUrl. */
  databaseUrls?: string[] | undefined;
  /** A real Neurelo environment: no local server is started. */
  neureloApiBase?: string | undefined;
  neureloApiKey?: string | undefined;
  /** Extra environment for every role service (timings, log level). */
  roleEnv?: Record<string, string>;
  /**
   * The replicas' ADMIN_KEY (POST /admin/reconfigure); a fresh random one per fleet when
   * absent. It lives in the replicas' environment and the fleet's state file, never in a log.
   */
  adminKey?: string;
  /**
   * Also run the dashboard (services/dashboard) at basePort+90; with a controlFile (the
   * fleet runner's state file) its kill and restart buttons act on this fleet.
   */
  dashboard?: { controlFile?: string };
  /**
   * Client keys for the replicas (CLIENT_KEYS, as hashes); absent: the replicas take every
   * caller (the chaos, bench and soak fleets, which only their own tools reach).
   */
  clientKeys?: FleetClientKeys;
}

/** The client keys of a fleet; the texts stay in this process and the 0600 state file. */
export interface FleetClientKeys {
  /** Read-write, every key. */
  clientKey: string;
  /** Read-only, every key. */
  readOnlyClientKey: string;
  /** More CLIENT_KEYS entries as they are written (a test's prefix-limited key). */
  moreEntries?: string[];
}

/** A fresh pair of keys for a fleet: `fleet` (read-write) and `fleet-read` (read-only). */
export function newFleetClientKeys(): FleetClientKeys {
  return { clientKey: generateClientKey(), readOnlyClientKey: generateClientKey() };
}

/** The CLIENT_KEYS value of a fleet's keys. */
export function clientKeysEnv(k: FleetClientKeys): string {
  return [
    clientKeyEntry('fleet', 'write', k.clientKey),
    clientKeyEntry('fleet-read', 'read', k.readOnlyClientKey),
    ...(k.moreEntries ?? []),
  ].join(',');
}

export function defaultFleetOptions(given: NodeJS.ProcessEnv = process.env): FleetOptions {
  // An empty variable (FLEET_BASE_PORT= in a .env) counts as unset, as in the services.
  const env = withoutEmptySettings(given);
  return {
    acceptors: Number(env.FLEET_ACCEPTORS ?? 3),
    leaders: Number(env.FLEET_LEADERS ?? 2),
    replicas: Number(env.FLEET_REPLICAS ?? 2),
    basePort: Number(env.FLEET_BASE_PORT ?? 7070),
    workDir: path.resolve(env.FLEET_DIR ?? path.join(REPO_ROOT, '.fleet')),
    databaseUrl: env.DATABASE_URL || undefined,
    neureloApiBase: env.NEURELO_API_BASE || env.NEURELO_API_BASE_PATH || undefined,
    neureloApiKey: env.NEURELO_API_KEY || undefined,
  };
}

/**
 * The processes of a fleet and their settings. Ports: the local Neurelo server at
 * basePort, acceptors from basePort+31, leaders from basePort+41, replicas from basePort+51.
 */
export function planFleet(o: FleetOptions): {
  services: ServiceSpec[];
  apiBase: string;
  apiKey: string;
  adminKey: string;
} {
  const useLocalNeurelo = !o.neureloApiBase;
  // A local fleet makes a fresh key per run: nothing secret is ever written to the repo.
  const apiKey = o.neureloApiKey ?? `neurelo_local_${randomBytes(18).toString('hex')}`;
  const apiBase = o.neureloApiBase ?? `http://127.0.0.1:${o.basePort}`;
  const adminKey = o.adminKey ?? `admin_${randomBytes(24).toString('hex')}`;
  const ids = (role: string, n: number) => Array.from({ length: n }, (_, i) => `${role}-${i}`);
  const acceptors = ids('acceptor', o.acceptors);
  const leaders = ids('leader', o.leaders);
  const replicas = ids('replica', o.replicas);
  const common: Record<string, string> = {
    NEURELO_API_BASE: apiBase,
    NEURELO_API_KEY: apiKey,
    ACCEPTORS: acceptors.join(','),
    LEADERS: leaders.join(','),
    REPLICAS: replicas.join(','),
    HOST: '127.0.0.1',
    // Only replicas read it; in the common environment, members added later get it too.
    ...(o.clientKeys ? { CLIENT_KEYS: clientKeysEnv(o.clientKeys) } : {}),
    ...(o.roleEnv ?? {}),
  };
  const services: ServiceSpec[] = [];
  if (useLocalNeurelo) {
    const env: Record<string, string> = {
      PORT: String(o.basePort),
      HOST: '127.0.0.1',
      NEURELO_API_KEY: apiKey,
    };
    // DATABASE_URL empty: a value inherited from this process's environment counts as unset.
    if (o.databaseUrls)
      Object.assign(env, { DATABASE_URLS: o.databaseUrls.join(','), DATABASE_URL: '' });
    else if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
    else env.PGLITE_DATA_DIR = path.join(o.workDir, 'pglite');
    services.push({
      name: 'neurelo',
      kind: 'neurelo',
      port: o.basePort,
      entry: 'services/neurelo-local/src/main.ts',
      env,
    });
  }
  const add = (kind: RoleKind, names: string[]) =>
    names.forEach((name, i) =>
      services.push(
        roleServiceSpec(kind, name, o.basePort + ROLE_PORT_OFFSETS[kind] + i, common, adminKey),
      ),
    );
  add('acceptor', acceptors);
  add('leader', leaders);
  add('replica', replicas);
  if (o.dashboard) {
    const roles = services.filter((s) => s.kind !== 'neurelo');
    services.push({
      name: 'dashboard',
      kind: 'dashboard',
      port: o.basePort + 90,
      entry: 'services/dashboard/src/main.ts',
      env: {
        PORT: String(o.basePort + 90),
        HOST: '127.0.0.1',
        NEURELO_API_BASE: apiBase,
        NEURELO_API_KEY: apiKey,
        FLEET_TARGETS: roles.map((s) => `${s.name}=http://127.0.0.1:${s.port}`).join(','),
        ...(o.clientKeys ? { PAXOS_KEY: o.clientKeys.clientKey } : {}),
        ...(o.dashboard.controlFile ? { FLEET_CONTROL_FILE: o.dashboard.controlFile } : {}),
      },
    });
  }
  return { services, apiBase, apiKey, adminKey };
}

export type RoleKind = 'acceptor' | 'leader' | 'replica';

/** Where each role's ports start, from basePort; members added later go from +60 to +89. */
export const ROLE_PORT_OFFSETS: Record<RoleKind, number> = {
  acceptor: 31,
  leader: 41,
  replica: 51,
};
const SPARE_PORTS = { from: 60, to: 89 };

/** One role service: the fleet's common environment, its id and port (and the admin key). */
export function roleServiceSpec(
  kind: RoleKind,
  name: string,
  port: number,
  common: Record<string, string>,
  adminKey: string,
): ServiceSpec {
  return {
    name,
    kind,
    port,
    entry: `services/${kind}/src/main.ts`,
    env: {
      ...common,
      PROCESS_ID: name,
      PORT: String(port),
      ...(kind === 'replica' ? { ADMIN_KEY: adminKey } : {}),
    },
  };
}

/**
 * A port for a member added later: its role's port for its number when that is free (so
 * `acceptor-3` is at basePort+34 like its elders), else the first free spare port.
 */
export function memberPort(
  basePort: number,
  kind: RoleKind,
  n: number,
  taken: ReadonlySet<number>,
): number {
  const natural = basePort + ROLE_PORT_OFFSETS[kind] + n;
  if (n < 10 && !taken.has(natural)) return natural;
  for (let p = basePort + SPARE_PORTS.from; p <= basePort + SPARE_PORTS.to; p++) {
    if (!taken.has(p)) return p;
  }
  throw new Error(
    `no free port left between ${basePort + SPARE_PORTS.from} and ${basePort + SPARE_PORTS.to}`,
  );
}
