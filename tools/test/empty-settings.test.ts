/**
 * Issue 23: an environment variable set to an empty value means "unset" in every service's
 * configuration (compose passes `NAME=` through from an `.env` line left empty). For every
 * variable of every settings schema, a base environment with that variable set to '' must
 * give exactly what the same environment without it gives: the same settings, or the same
 * error. A check that ignores empty values only in some parsers fails here.
 */
import { loadConfig, EnvSchema as DataApiEnvSchema } from '@paxos/neurelo-local/src/config';
import { DashboardEnvSchema } from '@paxos/dashboard/src/config/dashboard-env';
import { LeaderEnvSchema } from '@paxos/leader/src/service/leader-env';
import { ReplicaEnvSchema } from '@paxos/replica/src/service/replica-env';
import { WatchEnvSchema } from '@paxos/replica/src/service/watch-feed';
import { ServiceEnvSchema, parseEnv } from '@paxos/runtime/src/config';
import { dataApiBase, loadDataApiConfig } from '@paxos/shared';
import type { z } from 'zod';
import { defaultFleetOptions } from '../src/fleet/topology';

type Env = Record<string, string>;

function outcome(parse: (env: Env) => unknown, env: Env): unknown {
  try {
    return { settings: parse(env) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const serviceBase: Env = { PROCESS_ID: 'replica-0' };
const dashboardBase: Env = { FLEET_TARGETS: 'replica-0=http://127.0.0.1:7121' };
const cases: Array<{
  name: string;
  variables: string[];
  base: Env;
  parse: (env: Env) => unknown;
}> = [
  ...(
    [
      ['roles (runtime)', ServiceEnvSchema, serviceBase],
      ['replica', ReplicaEnvSchema, serviceBase],
      ['replica watch feed', WatchEnvSchema, serviceBase],
      ['leader', LeaderEnvSchema, serviceBase],
      ['dashboard', DashboardEnvSchema, dashboardBase],
    ] as Array<[string, z.ZodObject, Env]>
  ).map(([name, schema, base]) => ({
    name,
    variables: Object.keys(schema.shape),
    base,
    parse: (env: Env) => parseEnv(schema, env),
  })),
  {
    // What every role and the dashboard read to reach the data API.
    name: 'data API client settings',
    variables: [
      'NEURELO_API_BASE',
      'NEURELO_API_BASE_PATH',
      'NEURELO_API_KEY',
      'DATA_API_TIMEOUT_MS',
      'DATA_API_RETRIES',
    ],
    base: {
      NEURELO_API_KEY: 'a-local-test-key-0123456789',
      NEURELO_API_BASE: 'http://neurelo:8080',
      DATA_API_TIMEOUT_MS: '5000',
    },
    parse: (env: Env) => ({ config: loadDataApiConfig(env), base: dataApiBase(env) }),
  },
  {
    name: 'data API (neurelo-local)',
    variables: Object.keys(DataApiEnvSchema.shape),
    base: { NEURELO_API_KEY: 'a-local-test-key-0123456789' },
    parse: (env: Env) => loadConfig(env),
  },
];

describe('an empty environment variable counts as unset', () => {
  for (const c of cases) {
    it(`${c.name}: every one of its ${c.variables.length} variables`, () => {
      expect(c.variables.length).toBeGreaterThan(0);
      expect(outcome(c.parse, c.base)).toHaveProperty('settings');
      for (const variable of c.variables) {
        const without = { ...c.base };
        delete without[variable];
        const empty = { ...c.base, [variable]: '' };
        const blank = { ...c.base, [variable]: '  ' };
        expect({ variable, outcome: outcome(c.parse, empty) }).toEqual({
          variable,
          outcome: outcome(c.parse, without),
        });
        expect({ variable, outcome: outcome(c.parse, blank) }).toEqual({
          variable,
          outcome: outcome(c.parse, without),
        });
      }
    });
  }

  it('the fleet runner: FLEET_* and the storage settings', () => {
    const variables = [
      'FLEET_ACCEPTORS',
      'FLEET_LEADERS',
      'FLEET_REPLICAS',
      'FLEET_BASE_PORT',
      'FLEET_DIR',
      'DATABASE_URL',
      'NEURELO_API_BASE',
      'NEURELO_API_KEY',
    ];
    const unset = defaultFleetOptions({});
    for (const variable of variables) {
      const options = defaultFleetOptions({ [variable]: '' });
      expect({ variable, options }).toEqual({ variable, options: unset });
    }
  });
});
