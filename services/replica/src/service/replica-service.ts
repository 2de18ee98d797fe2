import { coalesceRequests, type RoleServiceSpec } from '@paxos/runtime';
import { clientDestination } from '@paxos/shared';
import type { ReplicaConfig } from '../role/config';
import { describeReplica } from '../role/describe';
import { replicaRole } from '../role/replica-role';
import type { ReplicaState } from '../role/state';
import { adminRoute } from './admin-api';
import type { ClientApiDeps } from './client-hold';
import { commandsRoute } from './commands-api';
import { openapiRoute } from './openapi-route';
import { PendingCommands } from './pending-commands';
import { replicaSettings } from './replica-env';
import { outsideConfigurationError, replicaConfiguration } from './replica-configuration';
import { ReplicaMetrics } from './replica-metrics';
import { sessionsRoute } from './sessions-api';
import { withWatchFeed } from './watch-feed';

/** How often a replica checks whether it left the configuration while clients wait. */
const OUTSIDE_CHECK_EVERY_MS = 250;

/**
 * The replica service: serves clients on POST /sessions and POST /commands (with the keys of
 * CLIENT_KEYS: client-auth.ts), operators on
 * POST /admin/reconfigure, and applies decided slots in order. A fresh spec per service instance (several can share one process in
 * benchmarks).
 */
export function replicaServiceSpec(): RoleServiceSpec<ReplicaState, ReplicaConfig> {
  // Read inside makeConfig so a bad setting is reported like every other configuration error.
  let settings!: ReturnType<typeof replicaSettings>;
  let pending: PendingCommands | null = null;
  let metrics: ReplicaMetrics | null = null;
  return withWatchFeed(() => settings.access, {
    roleName: 'replica',
    role: replicaRole,
    makeConfig: (env, common, cluster) => {
      settings = replicaSettings(env);
      return { id: common.PROCESS_ID, cluster, ...settings.timings };
    },
    describe: (s) => ({
      ...describeReplica(s),
      waitingClients: pending?.size ?? 0,
      heldRequests: pending?.held ?? 0,
      heldRequestBytes: pending?.heldBytes ?? 0,
    }),
    security: () => ({
      secrets: { ADMIN_KEY: settings.adminKey ?? undefined },
      clientKeys: settings.clientKeys,
    }),
    configuration: replicaConfiguration,
    observe: (s) => metrics?.observe(s, pending),
    // Client requests that arrived together are proposed as one batch.
    coalesceLocal: coalesceRequests,
    extend: ({ submit, isReady, metrics: shared, currentState, logger }) => {
      metrics = new ReplicaMetrics(shared.registry);
      // A command nobody waits for any more is withdrawn: the role drops it if not proposed.
      pending = new PendingCommands(settings.pendingBounds, ({ sessionId, requestId }) =>
        submit({ type: 'withdraw', from: clientDestination(sessionId), sessionId, requestId }),
      );
      const m = metrics;
      const deps: ClientApiDeps = {
        pending,
        submit,
        isReady,
        commandTimeoutMs: settings.commandTimeoutMs,
        latency: m.latency,
        countError: (code) => m.countError(code),
        outsideConfiguration: () => {
          const state = currentState();
          return state === undefined ? null : outsideConfigurationError(state);
        },
        access: settings.access,
      };
      const commands = commandsRoute(deps);
      const contract = openapiRoute();
      const sessions = sessionsRoute(deps);
      const admin = adminRoute({
        ...deps,
        adminKey: settings.adminKey,
        currentState,
        log: (fields, message) => logger.info(fields, message),
      });
      const answers = pending;
      // A replica that leaves stops proposing: whoever waits on it is sent elsewhere at once.
      const outsideWatch = setInterval(() => {
        if (answers.size > 0 && (deps.outsideConfiguration?.() ?? null) !== null) {
          answers.turnAwayAll();
        }
      }, OUTSIDE_CHECK_EVERY_MS);
      outsideWatch.unref();
      return {
        fastRoute: (req, res) =>
          commands(req, res) || sessions(req, res) || admin(req, res) || contract(req, res),
        onLocalMessage: (e) => {
          if (e.message.type === 'response') answers.answer(e.message);
        },
      };
    },
  });
}
