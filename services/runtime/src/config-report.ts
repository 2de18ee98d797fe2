import type { ConfigEntry, ConfigView, Configuration } from '@paxos/shared';

/**
 * What GET /config answers (the shell adds processId and role): the configuration this
 * process takes to be in force, the one decided but not in force yet, and every configuration
 * it knows. Each role knows a different amount: a replica knows the schedule exactly (it is
 * applied state), a leader knows what replicas told it, an acceptor only the epochs of the
 * ballots it promised. Readers parse it with @paxos/shared's ConfigAnswerSchema.
 */
export type { ConfigView };

export interface ConfigurationReport {
  /** Whether this process is a member of the configuration in force, in its own role. */
  member: boolean;
  epoch: number;
  inForce: ConfigView;
  pending: ConfigView | null;
  schedule: ConfigView[];
  /** Anything else the role knows (a leader's served epochs, an acceptor's promises). */
  [detail: string]: unknown;
}

export function configView(entry: ConfigEntry): ConfigView {
  const c = entry.config;
  return {
    epoch: c.epoch,
    startSlot: entry.startSlot,
    acceptors: [...c.acceptors],
    leaders: [...c.leaders],
    replicas: [...c.replicas],
    window: c.window,
  };
}

/** The initial configuration (epoch 0, from the environment) as the entry governing slot 1. */
export const initialEntry = (initial: Configuration): ConfigEntry => ({
  startSlot: 1,
  config: initial,
});
