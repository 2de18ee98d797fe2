import { coalesceRequests, type RoleServiceSpec } from '@paxos/runtime';
import { clientDestination } from '@paxos/shared';
import type { ReplicaConfig } from '../role/config';
import { describeReplica } from '../role/describe';
import { replicaRole } from '../role/replica-role';
import type { ReplicaState } from '../role/state';
import type { ClientApiDeps } from './client-hold';
import { commandsRoute } from './commands-api';
import { PendingCommands } from './pending-commands';
import { replicaSettings } from './replica-env';
import { ReplicaMetrics } from './replica-metrics';
import { sessionsRoute } from './sessions-api';

/**
 * The replica service: serves clients on POST /sessions and POST /commands and applies
 * decided slots in order. A fresh spec per service instance (several can share one process in
 * benchmarks).
 */
export function replicaServiceSpec(): RoleServiceSpec<ReplicaState, ReplicaConfig> {
  // Read inside makeConfig so a bad setting is reported like every other configuration error.
  let settings!: ReturnType<typeof replicaSettings>;
  let pending: PendingCommands | null = null;
  let metrics: ReplicaMetrics | null = null;
  return {
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
    observe: (s) => metrics?.observe(s, pending),
    // Client requests that arrived together are proposed as one batch.
    coalesceLocal: coalesceRequests,
    extend: ({ submit, isReady, metrics: shared }) => {
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
      };
      const commands = commandsRoute(deps);
      const sessions = sessionsRoute(deps);
      const answers = pending;
      return {
        fastRoute: (req, res) => commands(req, res) || sessions(req, res),
        onLocalMessage: (e) => {
          if (e.message.type === 'response') answers.answer(e.message);
        },
      };
    },
  };
}
