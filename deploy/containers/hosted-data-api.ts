import { clientKey, replicaClient } from './client-key';
import { isReady, waitFor } from './fleet-http';
import { run, type ComposeProject } from './podman';
import { check, step } from './report';
import { IMAGE, ROLES, urlOf } from './settings';

/** The network alias of the stand-in for a hosted Neurelo environment. */
export const HOSTED_ALIAS = 'hosted-neurelo';

/**
 * The fleet against a data API that compose does not run (what a hosted Neurelo environment
 * is to it): COMPOSE_PROFILES empty, NEURELO_API_BASE and NEURELO_API_KEY pointing at it.
 * The stand-in is the local server in a container of its own (PGlite, in memory) on the
 * project's network; postgres and neurelo must not start. The compose file is the one shipped;
 * the roles are started by name, as docs/operations.md says for podman-compose
 * 1.0 (Docker Compose would leave those two out by COMPOSE_PROFILES alone).
 */
export async function hostedDataApiScenario(
  project: ComposeProject,
  apiKey: string,
): Promise<void> {
  step(`a separate data API (${HOSTED_ALIAS}) and compose up without the local-data-api profile`);
  const network = `${project.name}_default`;
  // podman-compose uses this network when it exists.
  await run('podman', ['network', 'create', network]);
  await run('podman', [
    'run',
    '-d',
    '--name',
    `${project.name}_${HOSTED_ALIAS}`,
    // Labelled as the project's, so that tearing the project down removes it too.
    '--label',
    `io.podman.compose.project=${project.name}`,
    '--network',
    network,
    '--network-alias',
    HOSTED_ALIAS,
    '-e',
    'SERVICE=neurelo-local',
    '-e',
    `NEURELO_API_KEY=${apiKey}`,
    IMAGE,
  ]);
  // docs/operations.md's way for podman-compose 1.0, which ignores profiles: name the roles
  // (none depends on postgres or neurelo).
  await project.compose(['up', '-d', '--no-build', ...ROLES], 300_000);

  const ready = await waitFor('every role /readyz', 120_000, async () =>
    (await Promise.all(ROLES.map((r) => isReady(urlOf(r))))).every(Boolean) ? true : null,
  ).catch(() => false);
  const started = await project.containers();
  const localDataApi = started.filter((c) => /_(postgres|neurelo)_\d+$/.test(c));
  check(
    'with a data API of its own, the roles run without postgres and the local Neurelo',
    ready === true && localDataApi.length === 0,
    localDataApi.length > 0 ? `started anyway: ${localDataApi.join(', ')}` : '',
  );

  const client = replicaClient(60_000);
  const put = await client.run({ kind: 'put', key: 'hosted', value: 'yes' });
  const get = await client.run({ kind: 'get', key: 'hosted' });
  check(
    'commands succeed through the separate data API',
    put.result?.ok === true && get.result?.value === 'yes',
    `get answered ${JSON.stringify(get.result)}`,
  );

  // Production mode as compose ships it: the client API wants a key from CLIENT_KEYS.
  const replica = urlOf('replica-0');
  const withoutKey = await registerSession(replica, null);
  const wrongKey = await registerSession(replica, `${clientKey()}x`);
  const withKey = await registerSession(replica, clientKey());
  check(
    "the replicas refuse a missing or wrong client key (401) and take the run's key",
    withoutKey === 401 && wrongKey === 401 && withKey === 200,
    `without ${withoutKey}, wrong ${wrongKey}, with the key ${withKey}`,
  );
}

/** POST /sessions with `key` as bearer (none when null); the HTTP status, 0 if no answer. */
async function registerSession(replicaUrl: string, key: string | null): Promise<number> {
  try {
    const res = await fetch(`${replicaUrl}/sessions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}
