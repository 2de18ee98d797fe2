import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Names, ports and addresses of the fleet the container test runs. */

/**
 * The compose project. podman-compose 1.0 names a project after its folder (it ignores both
 * `name:` and COMPOSE_PROJECT_NAME), so the test's copy of the checkout is a folder of this
 * name; Docker Compose is given COMPOSE_PROJECT_NAME too.
 */
export const PROJECT = process.env.CTEST_PROJECT ?? 'paxosctest';

/** The services of the initial configuration (docker-compose.yml as shipped). */
export const ROLES = [
  'acceptor-0',
  'acceptor-1',
  'acceptor-2',
  'leader-0',
  'leader-1',
  'replica-0',
  'replica-1',
];

/**
 * The member the replacement scenario adds (replace-acceptor.ts): a new service block in the
 * test's copy of docker-compose.yml, as a user adds one.
 */
export const ADDED_MEMBERS = ['acceptor-3'];

/** The .env variable of each published port in docker-compose.yml (and the added block). */
export const PORT_VARS: Record<string, string> = {
  'replica-0': 'REPLICA_0_PORT',
  'replica-1': 'REPLICA_1_PORT',
  'leader-0': 'LEADER_0_PORT',
  'leader-1': 'LEADER_1_PORT',
  'acceptor-0': 'ACCEPTOR_0_PORT',
  'acceptor-1': 'ACCEPTOR_1_PORT',
  'acceptor-2': 'ACCEPTOR_2_PORT',
  dashboard: 'DASHBOARD_PORT',
  'acceptor-3': 'ACCEPTOR_3_PORT',
};

const ENV_EXAMPLE = readFileSync(path.resolve(__dirname, '..', '..', '.env.example'), 'utf8');

/** The image `docker compose up --build` builds and tags: PAXOS_IMAGE of .env.example. */
export const IMAGE = /^PAXOS_IMAGE=(\S+)$/m.exec(ENV_EXAMPLE)?.[1] ?? 'durable-paxos:latest';

/** The port .env.example gives `variable` (for a member added later: the one its comment names). */
function documentedPort(variable: string): number {
  const m = new RegExp(`\\b${variable}=(\\d+)`).exec(ENV_EXAMPLE);
  if (!m) throw new Error(`.env.example names no port for ${variable}`);
  return Number(m[1]);
}

/**
 * CTEST_BASE_PORT moves every published port by the same amount (replica-0's lands on it);
 * unset, the fleet uses the documented ports, as a user following the README does.
 */
const PORT_SHIFT =
  process.env.CTEST_BASE_PORT === undefined
    ? 0
    : Number(process.env.CTEST_BASE_PORT) - documentedPort('REPLICA_0_PORT');

export const portOf = (service: string): number => {
  const variable = PORT_VARS[service];
  if (!variable) throw new Error(`no published port for ${service}`);
  return documentedPort(variable) + PORT_SHIFT;
};
export const urlOf = (service: string): string => `http://127.0.0.1:${portOf(service)}`;
/** name -> URL of the roles whose names start with `prefix`. */
export const urls = (prefix: string): Record<string, string> =>
  Object.fromEntries(ROLES.filter((r) => r.startsWith(prefix)).map((r) => [r, urlOf(r)]));

/** The published ports' settings for a .env file. */
export function portEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(PORT_VARS).map(([service, variable]) => [variable, String(portOf(service))]),
  );
}

/** A documented command with the documented ports moved as CTEST_BASE_PORT asks (else as is). */
export function withTestPorts(code: string): string {
  if (PORT_SHIFT === 0) return code;
  return code.replace(/\b(localhost|127\.0\.0\.1):(\d+)\b/g, (whole, host: string, port: string) =>
    Object.values(PORT_VARS).some((v) => documentedPort(v) === Number(port))
      ? `${host}:${Number(port) + PORT_SHIFT}`
      : whole,
  );
}
