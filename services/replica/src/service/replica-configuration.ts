import { configView, type ConfigurationReport } from '@paxos/runtime';
import { entryAt, latestEntry } from '@paxos/shared';
import { isOutsideConfiguration, pendingEntry } from '../role/membership';
import type { ReplicaState } from '../role/state';

/**
 * GET /config of a replica: exact, since the schedule is applied state (membership.ts). The
 * configuration in force is the one governing slotOut; at most one more is pending.
 */
export function replicaConfiguration(state: ReplicaState): ConfigurationReport {
  const inForce = entryAt(state.configs, state.slotOut);
  const pending = pendingEntry(state);
  return {
    member: inForce.config.replicas.includes(state.config.id),
    epoch: inForce.config.epoch,
    inForce: configView(inForce),
    pending: pending && configView(pending),
    schedule: state.configs.map(configView),
    slotOut: state.slotOut,
    /** In no configuration it knows: it proposes nothing and sends clients elsewhere. */
    outside: isOutsideConfiguration(state),
    formerMembers: [...state.formerMembers],
  };
}

/** The 503 a replica outside every configuration it knows answers clients; null otherwise. */
export function outsideConfigurationError(state: ReplicaState): string | null {
  if (!isOutsideConfiguration(state)) return null;
  const latest = latestEntry(state.configs).config;
  return (
    `${state.config.id} is not a member of configuration ${latest.epoch}; ` +
    `members: ${latest.replicas.join(', ')}`
  );
}
