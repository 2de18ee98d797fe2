import { envInt as int, parseEnv, type RoleServiceSpec } from '@paxos/runtime';
import { LIMITS } from '@paxos/shared';
import { Counter, Gauge } from 'prom-client';
import { z } from 'zod';
import { DEFAULT_WATCH_RETENTION_SLOTS, type ReplicaConfig } from '../role/config';
import type { ReplicaState } from '../role/state';
import type { ClientAccessDeps } from './client-auth';
import { WatchHub } from './watch-hub';
import { watchRoute } from './watch-route';

/** A comment line on every feed this often, so proxies and clients see it is alive. */
export const WATCH_HEARTBEAT_MS = 15_000;

export const WatchEnvSchema = z.object({
  /* Slots of change history a replica keeps for GET /watch (docs/watch.md). */
  REPLICA_WATCH_RETENTION_SLOTS: int(
    DEFAULT_WATCH_RETENTION_SLOTS,
    1,
    LIMITS.watchRetentionSlotsMax,
  ),
});

/**
 * Adds the change feed to the replica service: GET /watch, the `applied` notes its role
 * delivers after each commit, and REPLICA_WATCH_RETENTION_SLOTS in the role's configuration.
 * `access` gives the client keys (read once the configuration is made).
 */
export function withWatchFeed(
  access: () => ClientAccessDeps,
  spec: RoleServiceSpec<ReplicaState, ReplicaConfig>,
): RoleServiceSpec<ReplicaState, ReplicaConfig> {
  return {
    ...spec,
    makeConfig: (env, common, cluster) => {
      const config = spec.makeConfig(env, common, cluster);
      const e = parseEnv(WatchEnvSchema, env);
      return { ...config, watchRetentionSlots: e.REPLICA_WATCH_RETENTION_SLOTS };
    },
    extend: (ctx) => {
      const hooks = spec.extend?.(ctx) ?? {};
      const registers = [ctx.metrics.registry];
      const events = new Counter({
        name: 'paxos_replica_watch_events_total',
        help: 'Change events written to watchers',
        registers,
      });
      const lagged = new Counter({
        name: 'paxos_replica_watch_lagged_total',
        help: 'Watchers closed because they fell too far behind',
        registers,
      });
      const hub = new WatchHub({
        history: () => ctx.currentState()?.history,
        lagEventsMax: LIMITS.watchLagEventsMax,
        watchersMax: LIMITS.watchersMax,
        heartbeatMs: WATCH_HEARTBEAT_MS,
        onEvents: (n) => events.inc(n),
        onLagged: () => lagged.inc(),
      });
      new Gauge({
        name: 'paxos_replica_watchers',
        help: 'Open GET /watch feeds',
        registers,
        collect() {
          this.set(hub.size);
        },
      });
      const route = watchRoute({ hub, access: access(), isReady: ctx.isReady });
      return {
        fastRoute: (req, res) => (hooks.fastRoute?.(req, res) ?? false) || route(req, res),
        onLocalMessage: (e) => {
          if (e.message.type === 'applied') hub.onApplied(e.message.slotOut);
          else hooks.onLocalMessage?.(e);
        },
      };
    },
  };
}
