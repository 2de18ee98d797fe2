import type { KeyOp } from '@paxos/shared';

/**
 * How the load generator executes one command on the system under test, whatever that is:
 * the fleet's session client (fleet-runner.ts) or a small etcd JSON client (etcd-client.ts).
 * The generator owns the clock and the schedule; a runner only sends and waits.
 */
export interface OpRunner {
  /** True when the command was answered; false when it was given up (outcome unknown). */
  run(op: KeyOp): Promise<boolean>;
}

/** The runner of simulated client `clientIndex`; each client keeps one command in flight. */
export type RunnerFactory = (clientIndex: number) => OpRunner;
