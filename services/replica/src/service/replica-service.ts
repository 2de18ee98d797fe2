import type { RoleServiceSpec } from '@paxos/runtime';
import { Gauge, Histogram } from 'prom-client';
import type { ReplicaConfig } from '../role/config';
import { describeReplica } from '../role/describe';
import { replicaRole } from '../role/replica-role';
import type { ReplicaState } from '../role/state';
import { commandsRoute } from './commands-api';
import { PendingCommands } from './pending-commands';
import { replicaSettings } from './replica-env';

/**
 * The replica service: serves clients on POST /commands and applies decided slots in
 * order. A fresh spec per service instance (several can share one process in benchmarks).
 */
export function replicaServiceSpec(): RoleServiceSpec<ReplicaState, ReplicaConfig> {
  // Read inside makeConfig so a bad setting is reported like every other configuration error.
  let settings!: ReturnType<typeof replicaSettings>;
  const pending = new PendingCommands();
  let slotOutGauge: Gauge | null = null;
  return {
    roleName: 'replica',
    role: replicaRole,
    makeConfig: (env, common, cluster) => {
      settings = replicaSettings(env);
      return { id: common.PROCESS_ID, cluster, ...settings.timings };
    },
    describe: (s) => ({ ...describeReplica(s), waitingClients: pending.size }),
    observe: (s) => slotOutGauge?.set(s.slotOut),
    extend: ({ submit, isReady, metrics }) => {
      slotOutGauge = new Gauge({
        name: 'paxos_replica_slot_out',
        help: 'The first slot this replica has not applied yet',
        registers: [metrics.registry],
      });
      const latency = new Histogram({
        name: 'paxos_client_command_duration_seconds',
        help: 'Client command latency, from POST /commands to the answer',
        labelNames: ['op'],
        buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
        registers: [metrics.registry],
      });
      return {
        fastRoute: commandsRoute({
          pending,
          submit,
          isReady,
          commandTimeoutMs: settings.commandTimeoutMs,
          latency,
        }),
        onLocalMessage: (e) => {
          if (e.message.type === 'response') pending.answer(e.message);
        },
      };
    },
  };
}
