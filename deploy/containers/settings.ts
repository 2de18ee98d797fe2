/** Names, ports and addresses of the fleet the container test runs. */

export const PROJECT = process.env.CTEST_PROJECT ?? 'paxosctest';
/** Ten ports from here on 127.0.0.1 are published by the fleet. */
export const BASE_PORT = Number(process.env.CTEST_BASE_PORT ?? 28081);
export const IMAGE = `localhost/durable-paxos:${PROJECT}`;

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

export const portOf = (service: string): number =>
  BASE_PORT + Object.keys(PORT_VARS).indexOf(service);
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
